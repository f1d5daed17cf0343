"""Encryption at rest: nothing readable in any file the program writes; wrong passphrases change nothing;
``encrypt``/``decrypt``/``change-passphrase`` through a verified copy that a kill cannot half-finish."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app import kill_points
from desktop_app.domain.attachments import add_attachment, attachment_content
from desktop_app.domain.backups import restore_backup
from desktop_app.domain.desk import Desk
from desktop_app.errors import InputError
from desktop_app.storage import database, encryption
from desktop_app.sync import api

ROOT = Path(__file__).resolve().parents[1]
SECRET_EMAIL = "saparova.a@anticorruption.example.kz"
SECRET_FILE = "Minutes of the bilateral meeting: CONFIDENTIAL-7Q2X"


def demo_needles() -> list[bytes]:
    """Every name and title of the demo, as SQLite would store them (UTF-8)."""
    record = json.loads((ROOT / "resources" / "demo" / "platform_record.json").read_text(encoding="utf-8"))
    texts = [p["full_name"] for p in record["people"]] + [e["title"] for e in record["events"]]
    return [text.encode("utf-8") for text in texts] + [SECRET_EMAIL.encode(), SECRET_FILE.encode()]


def trusting(sender: Desk) -> dict:
    """The options that confirm ``sender`` for a first import, where imports ask for that (SPEC §3)."""
    return {"trust": [sender.fingerprint]} if "trust" in inspect.signature(api.import_files).parameters else {}


def written_files(folder: Path, exclude: set[Path]) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p not in exclude and p.suffix != ".txt"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def secret_files(tmp_path):
    old, new = tmp_path / "old.txt", tmp_path / "new.txt"
    old.write_text("correct horse battery staple\n", encoding="utf-8")
    new.write_text("Пароль делегации 2025\n", encoding="utf-8")
    return old, new


@pytest.fixture
def encrypted_cli(cli, tmp_path, secret_files):
    """``init --encrypt --demo`` through the real command line, with the passphrase from a file."""
    cli.db = tmp_path / "vault" / "desk.db"
    cli.db.parent.mkdir()
    cli(
        "--db-passphrase-file",
        secret_files[0],
        "init",
        "--device-name",
        "Astana laptop",
        "--role",
        "delegation",
        "--country",
        "KZ",
        "--encrypt",
        "--demo",
        check=True,
    )
    return cli


def test_no_demo_text_in_any_file_the_program_wrote(encrypted_cli, tmp_path, secret_files):
    db = encrypted_cli.db
    # An import from another installation: a pre-import backup is taken.
    sender = Desk.create(tmp_path / "sender.db", "unodc", "secretariat")
    sender.put("event", {"type": "webinar", "title": "Webinar on asset declarations", "start_date": "2025-03-01"})
    bundle = api.export_bundle(sender, tmp_path / "from-unodc.pdsync").paths
    trust = trusting(sender)
    sender.close()
    desk = Desk.open(db, secret_files[0].read_bytes().strip())
    try:
        api.import_files(desk, list(bundle), **trust)
        event_id = desk.list("event")[0]["id"]
        desk.put("person", {"full_name": "Sample", "email": SECRET_EMAIL})
        attachment = tmp_path / "minutes.txt"
        attachment.write_text(SECRET_FILE * 50, encoding="utf-8")
        add_attachment(desk, event_id, attachment)
        database.backup(desk.engine, desk.path, "manual")
        files = written_files(db.parent, exclude=set())
        assert any(p.name.endswith("-wal") for p in files), "the WAL is checked while the program has it open"
        assert len(list((db.parent / "backups").iterdir())) >= 2, "pre-import and manual backups"
        needles = demo_needles()
        for path in files:
            content = path.read_bytes()
            assert not [n for n in needles if n in content], f"readable text in {path.name}"
        for path in [db, *database.list_backups(db)]:
            with pytest.raises(sqlite3.DatabaseError):
                sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master").fetchone()
        assert attachment_content(desk, hashlib.sha256(attachment.read_bytes()).hexdigest()).startswith(b"Minutes")
    finally:
        desk.close()


def test_a_wrong_or_missing_passphrase_is_one_line_and_changes_nothing(encrypted_cli, tmp_path, secret_files):
    db = encrypted_cli.db
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("guess\n", encoding="utf-8")
    before = sha(db)
    for args in (
        ["put", "event", "--json", '{"type": "webinar", "title": "x", "start_date": "2025-01-01"}'],
        ["decrypt"],
        ["change-passphrase", "--new-passphrase-file", secret_files[1]],
        ["dump"],
    ):
        result = encrypted_cli("--db-passphrase-file", wrong, *args)
        assert result.returncode == 2 and "passphrase does not open" in result.stderr, args
        assert result.stderr.count("\n") == 1, result.stderr
    result = encrypted_cli("list", "event", input="")  # no terminal to ask on
    assert result.returncode == 2 and "--db-passphrase-file" in result.stderr and result.stderr.count("\n") == 1
    assert sha(db) == before
    with pytest.raises(encryption.WrongPassphrase):
        Desk.open(db, "guess")
    with pytest.raises(encryption.PassphraseNeeded, match="is encrypted"):
        Desk.open(db)


def test_a_plain_database_given_a_passphrase_is_named(cli, secret_files):
    result = cli("--db-passphrase-file", secret_files[0], "dump")
    assert result.returncode == 2 and "is not encrypted" in result.stderr


def test_encrypt_then_decrypt_keeps_the_dump_and_converts_the_backups(cli, secret_files):
    cli.put("person", full_name="Нургуль Асановна Токтогулова", email=SECRET_EMAIL)
    plain = Desk.open(cli.db)
    database.backup(plain.engine, plain.path, "manual")
    plain.close()
    before = cli.dump()
    cli("--db-passphrase-file", secret_files[0], "encrypt", check=True)
    for path in [cli.db, *database.list_backups(cli.db)]:
        assert encryption.is_encrypted(path) and SECRET_EMAIL.encode() not in path.read_bytes()
    assert not list(cli.db.parent.glob("*.converting*"))
    assert cli("dump").returncode == 2
    assert cli("--db-passphrase-file", secret_files[0], "dump", check=True).stdout == before
    cli(
        "--db-passphrase-file",
        secret_files[0],
        "change-passphrase",
        "--new-passphrase-file",
        secret_files[1],
        check=True,
    )
    assert cli("--db-passphrase-file", secret_files[0], "dump").returncode == 2
    cli("--db-passphrase-file", secret_files[1], "decrypt", check=True)
    assert not any(encryption.is_encrypted(p) for p in [cli.db, *database.list_backups(cli.db)])
    assert cli.dump() == before


def test_a_backup_of_an_encrypted_database_restores(tmp_path):
    desk = Desk.create(tmp_path / "e.db", "laptop", "delegation", "KZ", passphrase="pass phrase")
    desk.put("event", {"type": "webinar", "title": "Kept", "start_date": "2025-01-01"})
    saved = database.backup(desk.engine, desk.path, "manual")
    desk.put("event", {"type": "webinar", "title": "Later", "start_date": "2025-01-02"})
    restore_backup(desk, saved)
    assert [e["title"] for e in desk.list("event")] == ["Kept"]
    desk.close()
    with pytest.raises(InputError):  # an encrypted backup is refused by a plain database
        other = Desk.create(tmp_path / "p.db", "other", "delegation", "KZ")
        try:
            restore_backup(other, saved)
        finally:
            other.close()


KILL_POINTS = ("convert:copied", "convert:checked", "convert:replaced", "rekey:database-done")


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_kill_during_change_passphrase_leaves_one_whole_database(tmp_path, secret_files, point):
    """Killed at each step of the conversion (``kill_points``), the file opens whole with one passphrase."""
    db = tmp_path / "k.db"
    desk = Desk.create(db, "laptop", "delegation", "KZ", passphrase=secret_files[0].read_bytes().strip())
    from desktop_app.domain.demo import generate_scale

    generate_scale(desk, 40)
    expected = list(desk.dump())
    desk.close()
    passphrases = [p.read_bytes().strip() for p in secret_files]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop_app",
            "--db",
            str(db),
            "--db-passphrase-file",
            str(secret_files[0]),
            "change-passphrase",
            "--new-passphrase-file",
            str(secret_files[1]),
        ],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, kill_points.ENVIRONMENT: point},
    )
    assert result.returncode == -signal.SIGKILL, f"{point} was not reached: {result.stderr!r}"
    readable = [p for p in passphrases if _opens(db, p)]
    renamed = point in ("convert:replaced", "rekey:database-done")  # the rename is the commit point
    assert readable == [passphrases[1] if renamed else passphrases[0]], f"after a kill at {point}"
    opened = Desk.open(db, readable[0])
    assert list(opened.dump()) == expected
    opened.close()


def _opens(db: Path, passphrase: bytes) -> bool:
    try:
        encryption.key_to_open(db, passphrase)
    except encryption.WrongPassphrase:
        return False
    return True


def test_a_failure_before_the_rename_leaves_the_old_database_and_no_copy(tmp_path, monkeypatch):
    db = tmp_path / "f.db"
    Desk.create(db, "laptop", "delegation", "KZ", passphrase="old one").close()
    before = sha(db)

    def crash(*_args):
        raise OSError("simulated power cut")

    monkeypatch.setattr(encryption.os, "replace", crash)
    with pytest.raises(OSError):
        encryption.convert(db, encryption.key_to_open(db, "old one"), encryption.Key.new("new one"))
    assert sha(db) == before and _opens(db, b"old one")
    assert [p.name for p in tmp_path.iterdir()] == ["f.db"]


def test_the_salt_names_the_key_derivation_and_other_files_are_not_taken_for_encrypted_ones(tmp_path):
    db = tmp_path / "v.db"
    Desk.create(db, "laptop", "delegation", "KZ", passphrase="phrase").close()
    assert db.read_bytes()[0] == encryption.KDF_VERSION and encryption.is_encrypted(db)
    for name, content in (("text.db", b"not a database at all" * 100), ("zeros.db", bytes(4096))):
        (tmp_path / name).write_bytes(content)
        assert not encryption.is_encrypted(tmp_path / name)
