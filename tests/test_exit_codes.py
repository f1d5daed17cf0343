"""One exit code (SPEC §5, issue 11): whatever the user can act on is exit 2 with one line; 1 is a bug.

The read-only medium and the full disk are real where the machine allows it: a tmpfs mounted in a
private user and mount namespace (``unshare -r -m``), remounted read-only, or size-limited. Where
``unshare`` is not available, the read-only case falls back to a folder without write permission
(not possible as root), and the full disk to a test double that raises ENOSPC at the file layer
(the backup's SQLite connection and the export's rename).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.domain.desk import Desk
from desktop_app.sync import api


def _can_mount() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        [
            "unshare",
            "-r",
            "-m",
            "sh",
            "-c",
            "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || mount -t tmpfs -o size=64k tmpfs /tmp",
        ],
        capture_output=True,
    )
    return probe.returncode == 0


CAN_MOUNT = _can_mount()


def one_line_refusal(result, *words):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(
    "content",
    [b"", b"Hello, this is a letter, not a database.\n" * 50, "sqlite-other"],
    ids=["empty", "text", "other-sqlite"],
)
def test_a_file_that_is_not_a_platform_desk_database_is_exit_2_and_untouched(cli, tmp_path, content):
    db = tmp_path / "not-a-desk.db"
    if content == "sqlite-other":
        with sqlite3.connect(db) as connection:
            connection.execute("CREATE TABLE recipes (name TEXT)")
        content = db.read_bytes()
    else:
        db.write_bytes(content)
    for command in (
        ["list", "event"],
        ["put", "event", "--json", '{"type": "webinar", "title": "x", "start_date": "2025-01-01"}'],
    ):
        one_line_refusal(cli(*command, db=db), "not a Platform Desk database")
        assert db.read_bytes() == content
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("not-a-desk.db") and p != db]


def _in_namespace(
    tmp_path: Path, size: str, setup: str, command: list[str]
) -> tuple[subprocess.CompletedProcess, Path]:
    """Run ``setup`` then the program on a tmpfs of ``size`` mounted at ``tmp_path/medium`` in a private
    namespace; returns the last command's result (stderr, exit status in files outside the medium)."""
    medium = tmp_path / "medium"
    medium.mkdir(exist_ok=True)
    program = f"{shlex.quote(sys.executable)} -m desktop_app"
    script = "\n".join(
        [
            "set -e",
            f"mount -t tmpfs -o size={size} tmpfs {medium}",
            f"cd {medium}",
            setup.replace("PD", program),
            "set +e",
            f"{program} {' '.join(map(shlex.quote, command))} > {tmp_path}/out.txt 2> {tmp_path}/err.txt",
            f"echo $? > {tmp_path}/status.txt",
            f"sha256sum desk.db > {tmp_path}/after.txt",
            f"ls -la {medium} {medium}/backups > {tmp_path}/listing.txt 2>&1",
            f"find {medium} -path '*backups*' -name '*.db' -size 0 > {tmp_path}/empty-backups.txt 2>&1 || true",
        ]
    )
    run = subprocess.run(
        ["unshare", "-r", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert run.returncode == 0, run.stderr
    result = subprocess.CompletedProcess(
        command,
        int((tmp_path / "status.txt").read_text()),
        (tmp_path / "out.txt").read_text(),
        (tmp_path / "err.txt").read_text(),
    )
    return result, medium


@pytest.mark.skipif(not CAN_MOUNT and os.geteuid() == 0, reason="no mount namespace, and root ignores permissions")
def test_a_database_on_a_read_only_medium_can_be_read_and_says_why_it_cannot_be_written(cli, tmp_path):
    put = ["--db", "desk.db", "put", "event", "--json", '{"type": "webinar", "title": "y", "start_date": "2025-01-02"}']
    if CAN_MOUNT:  # a real read-only mount
        setup = (
            "PD --db desk.db init --device-name ro --role secretariat >/dev/null\n"
            'PD --db desk.db put event --json \'{"type": "webinar", "title": "Seen", '
            '"start_date": "2025-01-01"}\' >/dev/null\n'
            f"sha256sum desk.db > {tmp_path}/before.txt\n"
            f"mount -o remount,ro {tmp_path}/medium"
        )
        listing, _medium = _in_namespace(tmp_path, "8m", setup, ["--db", "desk.db", "list", "event"])
        assert listing.returncode == 0 and "Seen" in listing.stdout, listing.stderr
        written, _medium = _in_namespace(tmp_path, "8m", setup, put)
        one_line_refusal(written, "read-only")
        assert (tmp_path / "before.txt").read_text() == (tmp_path / "after.txt").read_text()
    else:  # stand-in: a folder and file without write permission
        folder = tmp_path / "stick"
        folder.mkdir()
        db = folder / "desk.db"
        cli("init", "--device-name", "ro", "--role", "secretariat", db=db, check=True)
        cli(
            "put",
            "event",
            "--json",
            '{"type": "webinar", "title": "Seen", "start_date": "2025-01-01"}',
            db=db,
            check=True,
        )
        db.chmod(0o444)
        folder.chmod(0o555)
        try:
            assert "Seen" in cli("list", "event", db=db, check=True).stdout
            one_line_refusal(cli(*put[2:], db=db), "read-only")
        finally:
            folder.chmod(0o755)


@pytest.fixture
def incoming(tmp_path):
    """A bundle with an incompressible 3 MB attachment, from a delegation."""
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from desktop_app.domain.desk import put_record
    from desktop_app.storage.models import Blob

    kz = Desk.create(tmp_path / "kz.db", "kz", "delegation", "KZ")
    try:
        event = kz.put("event", {"type": "webinar", "title": "Big", "start_date": "2025-01-01"})
        content = os.urandom(3 << 20)
        digest = hashlib.sha256(content).hexdigest()
        with kz.writing() as writer:
            writer.connection.execute(sqlite_insert(Blob).values(sha256=digest, content=content))
            put_record(
                writer,
                "attachment",
                {"event_id": event, "filename": "scan.pdf", "size": len(content), "sha256": digest},
            )
        small = api.export_bundle(kz, tmp_path / "small.pdsync", to=None).paths[0]
        (tmp_path / "kz.fingerprint").write_text(kz.fingerprint)  # confirmed by the recipient's user
        return small
    finally:
        kz.close()


@pytest.mark.skipif(not CAN_MOUNT, reason="needs a size-limited tmpfs; see the test double below")
@pytest.mark.parametrize("free", ["none", "some"])
def test_a_full_disk_is_exit_2_nothing_half_written_no_empty_backup(tmp_path, incoming, free):
    """A real size-limited tmpfs: the import fails writing the attachment (``none``) or the backup (``some``)."""
    fill = (
        "dd if=/dev/zero of=filler bs=4k 2>/dev/null || true\n"
        if free == "none"
        else "dd if=/dev/zero of=filler bs=4k 2>/dev/null || true\nrm filler\n"
        "dd if=/dev/zero of=filler bs=4k count=$(( $(stat -f -c '%a' .) - 1100 )) 2>/dev/null || true\n"
    )
    setup = (
        "PD --db desk.db init --device-name full --role secretariat --demo-scale 300 >/dev/null\n"
        f"sha256sum desk.db > {tmp_path}/before.txt\n" + fill
    )
    result, _medium = _in_namespace(
        tmp_path,
        "24m",
        setup,
        ["--db", "desk.db", "import", str(incoming), "--trust", (tmp_path / "kz.fingerprint").read_text()],
    )
    one_line_refusal(result, "disk is full")
    assert (tmp_path / "before.txt").read_text() == (tmp_path / "after.txt").read_text()
    assert (tmp_path / "empty-backups.txt").read_text().strip() == ""


def test_a_full_disk_double_enospc_at_the_file_layer(tmp_path, incoming, monkeypatch, capsys):
    """The test double: the backup's SQLite file and the export's rename raise ENOSPC."""
    from desktop_app.cli.main import main
    from desktop_app.storage import database

    db = tmp_path / "desk.db"
    Desk.create(db, "full", "secretariat").close()
    before = db.read_bytes()

    class FullDisk:
        def __init__(self, *args, **kwargs):
            Path(args[0]).write_bytes(b"")  # the file exists, as SQLite would have created it

        def __enter__(self):
            full = sqlite3.OperationalError("database or disk is full")
            full.sqlite_errorcode, full.sqlite_errorname = sqlite3.SQLITE_FULL, "SQLITE_FULL"  # as SQLite sets them
            raise full

        def __exit__(self, *exc):
            return False

        def close(self):
            pass

    real_connect = sqlite3.connect

    def connect(target, *args, **kwargs):
        return FullDisk(target) if "backups" in str(target) else real_connect(target, *args, **kwargs)

    monkeypatch.setattr(database.sqlite3, "connect", connect)
    assert main(["--db", str(db), "import", str(incoming), "--trust", (tmp_path / "kz.fingerprint").read_text()]) == 2
    assert "disk is full" in capsys.readouterr().err
    assert db.read_bytes() == before
    assert not list((tmp_path / "backups").glob("*.db"))
    monkeypatch.undo()

    def no_space(*args):
        raise OSError(errno.ENOSPC, "No space left on device", str(args[1]))

    monkeypatch.setattr(os, "replace", no_space)
    out = tmp_path / "out.pdsync"
    assert main(["--db", str(db), "export", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "disk is full" in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("out.pdsync*"))


def test_a_bug_is_exit_1_with_one_line_and_the_log_file(tmp_path, monkeypatch, capsys):
    from desktop_app.cli.main import main

    db = tmp_path / "desk.db"
    Desk.create(db, "bug", "secretariat").close()

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(api, "list_conflicts", broken)
    assert main(["--db", str(db), "conflicts"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "platform-desk.log" in err and "\\n" in err
