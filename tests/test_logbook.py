"""The log tells afterwards what happened: one plain line per migration, backup, restore, encryption change
and error, in the log folder; and the log folder has one helper that every caller uses."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest

from desktop_app import logbook, paths
from desktop_app.domain.backups import restore_backup
from desktop_app.domain.desk import Desk
from desktop_app.storage import database

FIXTURES = Path(__file__).with_name("fixtures")
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (INFO|WARNING|ERROR) [a-z]+: .+$")


@pytest.fixture
def log_lines(_private_data_folder):
    """The log file's lines, read after the code under test wrote them (the handler is set up as main does)."""
    for handler in list(logbook.log.handlers):
        logbook.log.removeHandler(handler)
    logbook.setup()
    yield lambda: paths.log_file().read_text(encoding="utf-8").splitlines()
    for handler in list(logbook.log.handlers):
        handler.close()
        logbook.log.removeHandler(handler)


def test_a_days_work_is_in_the_log_in_plain_lines(tmp_path, cli, log_lines, monkeypatch):
    monkeypatch.setenv("PLATFORM_DESK_MACHINE_ID", "fixture-machine")
    old = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema_0001.db", old)
    desk = Desk.open(old)  # an upgrade: a backup, then the migration
    try:
        copy = database.backup(desk.engine, desk.path, "manual")
        restore_backup(desk, copy)
    finally:
        desk.close()
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("correct horse\n", encoding="utf-8")
    cli("encrypt", "--db-passphrase-file", passphrase, check=True)
    cli("decrypt", "--db-passphrase-file", passphrase, check=True)
    assert cli("put", "event", "--json", "{not json").returncode == 2

    lines = log_lines()
    assert all(LINE.match(line) for line in lines), lines
    text = "\n".join(lines)
    assert f"migration: {old} from schema 0001 to {database.head_revision()}, backup {old.parent}" in text
    assert f"backup: {old} copied to {copy} (manual)" in text
    assert f"restore: {old} replaced by {copy}; its state before is in " in text
    assert f"encryption: {cli.db} encrypted, with its backups" in text
    assert f"encryption: {cli.db} decrypted, with its backups" in text
    assert "WARNING error: put: " in text
    assert f"migration: {cli.db} created at schema {database.head_revision()}" in text


def test_a_bug_leaves_its_traceback_in_the_log(log_lines):
    try:
        raise ZeroDivisionError("disk on fire")
    except ZeroDivisionError as failure:
        logbook.unexpected("the test", failure)
    text = "\n".join(log_lines())
    assert "unexpected error in the test" in text and "ZeroDivisionError: disk on fire" in text


def test_a_name_from_a_file_cannot_forge_a_log_line(log_lines):
    logbook.trust("d1", "Evil\n2026-01-01 00:00:00 INFO trust: everyone confirmed", "ab:cd", "confirmed")
    assert len(log_lines()) == 1


def test_the_log_is_in_the_data_folder_when_one_is_chosen_else_in_platformdirs_log_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("PLATFORM_DESK_DATA", str(tmp_path))
    assert paths.log_file() == tmp_path / "logs" / "platform-desk.log"
    monkeypatch.delenv("PLATFORM_DESK_DATA")
    import platformdirs

    assert paths.log_file().parent == Path(platformdirs.user_log_dir(paths.APP_NAME, appauthor=False))


def test_every_caller_uses_the_one_log_path_helper():
    """Nobody builds the log's path by hand: the window, the command line and the about box ask ``paths``."""
    package = Path(__file__).resolve().parent.parent / "desktop_app"
    builders = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if "platform-desk.log" in path.read_text(encoding="utf-8")
        or re.search(r"def log_file\b", path.read_text(encoding="utf-8"))
    ]
    assert builders == ["paths.py"]
    assert logging.getLogger("platform_desk") is logbook.log


def test_a_refused_bundle_is_named_once_in_its_log_line(tmp_path, log_lines):
    from desktop_app.sync import api
    from tests.sync.conftest import Office

    secretariat = Office(tmp_path, "unodc", "secretariat")
    stranger = Office(tmp_path, "stranger", "delegation", "TM")
    try:
        bundle = Path(stranger.send().paths[0])
        with pytest.raises(api.UntrustedSender):
            secretariat.receive(bundle, trust=[])
    finally:
        secretariat.desk.close()
        stranger.desk.close()
    refusals = [line for line in log_lines() if " WARNING refused: " in line]
    assert len(refusals) == 1, refusals
    assert f" WARNING refused: {bundle.name}: comes from stranger (" in refusals[0]
    assert refusals[0].count(bundle.name) == 1, refusals[0]


def test_a_refusal_that_names_no_file_is_given_the_files_names(log_lines):
    logbook.refused([Path("kz-1.pdsync"), Path("kz-2.pdsync")], "the database is locked by another program")
    assert log_lines()[0].endswith(
        " WARNING refused: kz-1.pdsync, kz-2.pdsync: the database is locked by another program"
    )
