"""The SQLite file: WAL and foreign keys, migrations, one writer at a time, copies told apart."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading

import pytest

from desktop_app.domain import identity
from desktop_app.domain.desk import Desk
from desktop_app.errors import BusyError, InputError
from desktop_app.storage import database

FIXTURES = __import__("pathlib").Path(__file__).with_name("fixtures")


def test_wal_and_foreign_keys(desk):
    with desk.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("schema_*.db")), ids=lambda p: p.stem)
def test_every_released_schema_opens_and_upgrades(tmp_path, fixture, monkeypatch):
    monkeypatch.setenv("PLATFORM_DESK_MACHINE_ID", "fixture-machine")
    path = tmp_path / "old.db"
    shutil.copy(fixture, path)
    if fixture.stem.split("_")[1] >= "0005":  # from then on this computer's data folder marks its installations
        with sqlite3.connect(path) as connection:
            identity.mark_this_computer(connection.execute("SELECT device_id FROM installation").fetchone()[0])
    desk = Desk.open(path)
    try:
        titles = [e["title"] for e in desk.list("event")]
        assert titles == ["Тренинг по декларированию активов"]
        desk.put("event", {"type": "webinar", "title": "after upgrade", "start_date": "2025-01-01"})
        with desk.engine.connect() as connection:
            revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        assert revision == database.head_revision()
        assert not desk.notices, "same machine: not a copy"
    finally:
        desk.close()
    if fixture.stem.split("_")[1] != database.head_revision():
        assert database.list_backups(path), "an upgrade is preceded by a backup"


def test_newer_schema_is_refused_naming_both_versions(desk):
    path = desk.path
    desk.close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(InputError) as raised:
        Desk.open(path)
    assert "9999" in str(raised.value) and database.head_revision() in str(raised.value)


def test_second_writer_waits_then_fails_clearly(desk, monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.3)
    other = Desk.open(desk.path)
    blocker = sqlite3.connect(desk.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(BusyError, match="in use"):
            other.put("person", {"full_name": "Waiting"})
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        other.close()
    assert desk.put("person", {"full_name": "After"})


def test_concurrent_writers_lose_nothing(desk):
    other = Desk.open(desk.path)
    errors = []

    def write(d, prefix):
        try:
            for n in range(30):
                d.put("person", {"full_name": f"{prefix} {n}"})
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(d, p)) for d, p in ((desk, "A"), (other, "B"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.close()
    assert not errors
    assert len(desk.list("person")) == 60
    with sqlite3.connect(desk.path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_copy_on_another_computer_becomes_a_new_installation(tmp_path, monkeypatch):
    monkeypatch.setenv("PLATFORM_DESK_MACHINE_ID", "office-pc")
    original = Desk.create(tmp_path / "a.db", "office", "delegation", "KG")
    event = original.put("event", {"type": "webinar", "title": "x", "start_date": "2025-01-01"})
    original_id = original.identity["device_id"]
    original.close()
    shutil.copy(tmp_path / "a.db", tmp_path / "b.db")
    monkeypatch.setenv("PLATFORM_DESK_MACHINE_ID", "conference-laptop")
    copy = Desk.open(tmp_path / "b.db")
    try:
        assert copy.notices and copy.identity["device_id"] != original_id
        assert copy.identity["copied_from"] == original_id
        assert copy.get(event)["title"] == "x", "the copy keeps working with its data"
        copy.put("event", {"id": event, "title": "edited on the copy"})
    finally:
        copy.close()
    again = Desk.open(tmp_path / "b.db")
    assert not again.notices, "told once; afterwards it is simply its own installation"
    again.close()


def test_nothing_in_the_copied_file_makes_it_pass_for_the_original(tmp_path, monkeypatch):
    """Attack: the thief writes the new computer's id into the copied file (SPEC §3, §6)."""
    home = os.environ["PLATFORM_DESK_DATA"]
    original = Desk.create(tmp_path / "a.db", "secretariat laptop", "secretariat")
    original_id, key = original.identity["device_id"], original.identity["public_key"]
    original.close()
    shutil.copy(tmp_path / "a.db", tmp_path / "stolen.db")
    monkeypatch.setenv("PLATFORM_DESK_MACHINE_ID", "thiefs-laptop")
    monkeypatch.setenv("PLATFORM_DESK_DATA", str(tmp_path / "thief"))
    with sqlite3.connect(tmp_path / "stolen.db") as connection:
        connection.execute("UPDATE installation SET machine_id = ?", (identity.machine_id(),))
    copy = Desk.open(tmp_path / "stolen.db")
    try:
        assert copy.identity["device_id"] != original_id and copy.identity["public_key"] != key
    finally:
        copy.close()
    # Control: on the computer it was made on, the original keeps its identity.
    monkeypatch.delenv("PLATFORM_DESK_MACHINE_ID")
    monkeypatch.setenv("PLATFORM_DESK_DATA", home)
    again = Desk.open(tmp_path / "a.db")
    assert again.identity["device_id"] == original_id and not again.notices
    again.close()


def test_known_schema_head_matches_the_migrations():
    assert database.SCHEMA_HEAD == database.head_revision()
