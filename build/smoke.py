"""The installer smoke test: drive the frozen program as a user would, with no Python around it.

Only the executable in ``dist/PlatformDesk/`` runs, in a clean environment (no ``PYTHONPATH``, no virtual
environment on ``PATH``, a fresh home folder, ``QT_QPA_PLATFORM=offscreen``). Steps that need a feature run
once ``--help`` shows it: export/import when the ``export`` command exists, reports and the calendar when
``report`` and ``calendar`` exist, the GUI when ``--smoke`` exists.
Any failure raises ``SmokeFailure`` with a one-line reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from desktop_app import __version__
from desktop_app.i18n import LANGUAGES

PROJECT = Path(__file__).resolve().parent.parent
EXECUTABLE = "platform-desk.exe" if sys.platform == "win32" else "platform-desk"
COMMAND_TIMEOUT_S = 120
WINDOWS_VARIABLES = ("SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT")


class SmokeFailure(Exception):
    """A step of the smoke test went wrong; the message says which and why."""


def clean_environment(home: Path) -> dict[str, str]:
    """Only what a freshly logged-in user has: a home folder, the system's PATH, offscreen Qt."""
    env = {
        "HOME": str(home),
        "PATH": os.defpath,
        "LANG": "C.UTF-8",
        "LANGUAGE": "en",
        "QT_QPA_PLATFORM": "offscreen",
        "TMPDIR": str(home),
    }
    if sys.platform == "win32":
        env.update({name: os.environ[name] for name in WINDOWS_VARIABLES if name in os.environ})
        env.update({name: str(home) for name in ("USERPROFILE", "APPDATA", "LOCALAPPDATA", "TEMP", "TMP")})
        env["PATH"] = os.path.join(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32")
    return env


class FrozenProgram:
    """Runs the bundle's executable from a scratch folder and checks each run."""

    def __init__(self, bundle: Path, scratch: Path):
        self.executable = bundle.resolve() / EXECUTABLE
        self.scratch = scratch
        self.env = clean_environment(scratch / "home")
        (scratch / "home").mkdir()

    def run(self, step: str, *args, expect_ok: bool = True) -> subprocess.CompletedProcess:
        started = time.monotonic()
        try:
            result = subprocess.run(
                [str(self.executable), *map(str, args)],
                cwd=self.scratch,
                env=self.env,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=COMMAND_TIMEOUT_S,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise SmokeFailure(f"{step}: no answer within {COMMAND_TIMEOUT_S} s") from None
        except OSError as error:
            raise SmokeFailure(f"{step}: cannot start {self.executable}: {error}") from None
        if expect_ok and result.returncode != 0:
            lines = result.stderr.strip().splitlines()
            reason = ([line for line in lines if "rror" in line] or lines or ["(nothing on stderr)"])[-1]
            raise SmokeFailure(f"{step}: exit status {result.returncode}: {reason}")
        print(f"smoke: {step} ({time.monotonic() - started:.1f} s)")
        return result


def check(condition: bool, step: str, problem: str) -> None:
    if not condition:
        raise SmokeFailure(f"{step}: {problem}")


def lists_command(help_text: str, command: str) -> bool:
    """Whether ``--help`` lists a sub-command (argparse indents each by four spaces)."""
    return re.search(rf"^\s{{4}}{re.escape(command)}\b", help_text, re.MULTILINE) is not None


def check_bundle_files(bundle: Path) -> None:
    """The data the program reads at run time sits where ``paths.install_root()`` expects it."""
    root = bundle / "_internal" if (bundle / "_internal").is_dir() else bundle
    for needed in (
        "resources/demo/platform_record.json",
        "resources/reference/reference.json",
        "desktop_app/storage/migrations/env.py",
    ):
        check((root / needed).is_file(), "bundle", f"{needed} is missing")
    cldr = {path.stem.split("_")[0] for path in (root / "babel" / "locale-data").glob("*.dat")}
    check(cldr == set(LANGUAGES) | {"root"}, "bundle", f"CLDR data for {sorted(cldr)}, expected the seven languages")
    for language in translated_languages():
        mo = root / "translations" / language / "LC_MESSAGES" / "platform_desk.mo"
        check(mo.is_file(), "bundle", f"the {language} catalog is missing")


def translated_languages() -> list[str]:
    """The languages whose message catalog the project has."""
    return [
        language
        for language in LANGUAGES
        if (PROJECT / "translations" / language / "LC_MESSAGES" / "platform_desk.po").exists()
    ]


def check_translations(program: FrozenProgram) -> None:
    """Each translated language's ``--help`` reads as it does when run from the sources."""
    for language in translated_languages():
        source = subprocess.run(
            [sys.executable, "-m", "desktop_app", "--lang", language, "--help"],
            cwd=PROJECT,
            env=dict(program.env, PYTHONPATH=str(PROJECT), PATH=os.environ["PATH"]),
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=True,
        ).stdout
        frozen = program.run(f"--lang {language} --help", "--lang", language, "--help").stdout
        check(frozen == source, f"--lang {language}", "the help differs from the sources': is the catalog bundled?")


def check_records(program: FrozenProgram, db: Path) -> str:
    """init --demo, list, put, get, dump on a fresh database; returns the id of the record put."""
    program.run("init --demo", "--db", db, "init", "--device-name", "smoke-a", "--role", "secretariat", "--demo")
    events = program.run("list event", "--db", db, "list", "event").stdout.splitlines()
    check(len(events) > 10, "list event", f"{len(events)} events after init --demo")
    title = "Смоук-тест: семинар по возврату активов"
    record_id = (
        program.run(
            "put",
            "--db",
            db,
            "put",
            "event",
            "--json",
            json.dumps({"type": "webinar", "title": title, "start_date": "2025-03-01"}),
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    got = json.loads(program.run("get", "--db", db, "get", record_id).stdout)
    check(got.get("title") == title, "get", f"title {got.get('title')!r}, expected {title!r}")
    dump = program.run("dump", "--db", db, "dump").stdout
    check(record_id in dump and len(dump.splitlines()) > len(events), "dump", "the new record is missing")
    refused = program.run("put (bad input)", "--db", db, "put", "event", "--json", "{}", expect_ok=False)
    check(
        refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr,
        "put (bad input)",
        f"expected one line and exit status 2, got {refused.returncode}: {refused.stderr!r}",
    )
    return record_id


def check_sync(program: FrozenProgram, source: Path) -> None:
    """Export everything, import into a second installation, and compare the dumps; then an encrypted
    bundle, refused without its passphrase and accepted with it."""
    target = program.scratch / "b.db"
    plain, sealed = program.scratch / "all.pdsync", program.scratch / "sealed.pdsync"
    passphrase = program.scratch / "passphrase.txt"
    passphrase.write_text("Астана 2024 smoke\n", encoding="utf-8")
    program.run("init (second)", "--db", target, "init", "--device-name", "smoke-b", "--role", "secretariat")
    program.run("export", "--db", source, "export", "--full", "--out", plain)
    peers = json.loads(program.run("peers", "--db", source, "peers", "--json").stdout)
    trust = ["--trust", peers[0]["fingerprint"]]  # the first contact, confirmed as a person would
    untrusted = program.run("import (first contact)", "--db", target, "import", plain, expect_ok=False)
    check(
        untrusted.returncode == 2 and peers[0]["fingerprint"] in untrusted.stderr,
        "import (first contact)",
        f"expected exit status 2 naming the fingerprint, got {untrusted.returncode}: {untrusted.stderr!r}",
    )
    program.run("import", "--db", target, "import", plain, *trust)
    same = (
        program.run("dump (second)", "--db", target, "dump").stdout
        == program.run("dump", "--db", source, "dump").stdout
    )
    check(same, "import", "the second database's dump differs from the first's")
    program.run(
        "export (encrypted)", "--db", source, "export", "--full", "--out", sealed, "--passphrase-file", passphrase
    )
    refused = program.run("import (no passphrase)", "--db", target, "import", sealed, expect_ok=False)
    check(refused.returncode == 2, "import (no passphrase)", f"exit status {refused.returncode}, expected 2")
    program.run("import (encrypted)", "--db", target, "import", sealed, "--passphrase-file", passphrase)


# What each report format's file starts with (None: any non-empty file).
REPORT_FORMATS = {"json": b"{", "csv": None, "xlsx": b"PK", "pdf": b"%PDF"}


def check_file(step: str, path: Path, start: bytes | None) -> None:
    check(path.is_file() and path.stat().st_size > 0, step, f"{path.name} was not written")
    check(start is None or path.read_bytes().startswith(start), step, f"{path.name} does not start with {start!r}")


def check_reports(program: FrozenProgram, db: Path, help_text: str) -> None:
    """The year's report in every format and the calendar, in Russian (Cyrillic text, CLDR dates)."""
    if lists_command(help_text, "report"):
        for form, start in REPORT_FORMATS.items():
            out = program.scratch / f"report-2024.{form}"
            program.run(
                f"report --format {form}",
                "--db",
                db,
                "--lang",
                "ru",
                "report",
                "--year",
                "2024",
                "--format",
                form,
                "--out",
                out,
            )
            check_file(f"report --format {form}", out, start)
    if lists_command(help_text, "calendar"):
        out = program.scratch / "events.ics"
        program.run("calendar", "--db", db, "--lang", "ru", "calendar", "--out", out)
        check_file("calendar", out, b"BEGIN:VCALENDAR")


def check_gui(program: FrozenProgram, db: Path) -> None:
    for language in ("en", "ru"):
        program.run(f"GUI --smoke --lang {language}", "--db", db, "--lang", language, "--smoke")


def check_encryption(program: FrozenProgram, plain: Path, gui: bool) -> None:
    """SQLCipher is bundled: init --encrypt --demo leaves no demo text in the file, a wrong passphrase is
    one line and exit 2, encrypt keeps the dump, and the window opens, locks and unlocks."""
    secret, wrong = program.scratch / "db-passphrase.txt", program.scratch / "wrong.txt"
    secret.write_text("Бишкек 2025 smoke\n", encoding="utf-8")
    wrong.write_text("guess\n", encoding="utf-8")
    sealed = program.scratch / "sealed.db"
    program.run(
        "init --encrypt --demo",
        "--db",
        sealed,
        "--db-passphrase-file",
        secret,
        "init",
        "--device-name",
        "smoke-e",
        "--role",
        "delegation",
        "--country",
        "KZ",
        "--encrypt",
        "--demo",
    )
    check(
        b"Tashkent" not in sealed.read_bytes() and not sealed.read_bytes().startswith(b"SQLite format 3"),
        "init --encrypt",
        "the database file is readable without its passphrase",
    )
    refused = program.run(
        "dump (wrong passphrase)", "--db", sealed, "--db-passphrase-file", wrong, "dump", expect_ok=False
    )
    check(
        refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1,
        "dump (wrong passphrase)",
        f"expected one line and exit status 2, got {refused.returncode}: {refused.stderr!r}",
    )
    copy = program.scratch / "encrypted-copy.db"
    shutil.copy(plain, copy)
    program.run("encrypt", "--db", copy, "--db-passphrase-file", secret, "encrypt")
    same = (
        program.run("dump (encrypted)", "--db", copy, "--db-passphrase-file", secret, "dump").stdout
        == program.run("dump (plain)", "--db", plain, "dump").stdout
    )
    check(same, "encrypt", "the dump changed")
    if gui:
        program.env["PLATFORM_DESK_SMOKE_LOCK"] = "1"  # --smoke then also locks and unlocks the window
        shown = program.run("GUI --smoke (encrypted)", "--db", sealed, "--db-passphrase-file", secret, "--smoke")
        del program.env["PLATFORM_DESK_SMOKE_LOCK"]
        check("locked and unlocked" in shown.stdout, "GUI --smoke (encrypted)", "the window did not lock and unlock")


def check_server(program: FrozenProgram) -> None:
    """The frozen program on a PostgreSQL server database (its driver is inside), where this computer can start a
    server (``desktop_app.tools.local_postgres``); said and skipped otherwise."""
    from desktop_app.tools import local_postgres

    reason = local_postgres.unavailable_reason()
    if reason:
        print(f"smoke: server database skipped: {reason}")
        return
    folder = Path(tempfile.mkdtemp(prefix="pd-smoke-postgres-"))  # one the server's own account can reach
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        url = local_postgres.start(folder, port=port, database="smoke")
        program.run("init on a server", "--db", url, "init", "--device-name", "server", "--role", "secretariat")
        program.run("put on a server", "--db", url, "put", "person", "--json", '{"full_name": "Айгерим"}')
        dumped = program.run("dump on a server", "--db", url, "dump").stdout
        check("Айгерим" in dumped, "dump on a server", "the person written is missing")
    finally:
        local_postgres.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


def check_portable(program: FrozenProgram, bundle: Path) -> None:
    """Without ``--db``, the portable program keeps its database in ``data/`` beside itself."""
    data = bundle / "data"
    try:
        program.run("init (portable)", "init", "--device-name", "usb-stick", "--role", "secretariat")
        check((data / "platform-desk.db").is_file(), "portable", f"no database in {data}")
    finally:
        shutil.rmtree(data, ignore_errors=True)


def run_smoke(bundle: Path, portable: bool = False) -> None:
    """Every step in order; raises ``SmokeFailure`` at the first one that fails."""
    started = time.monotonic()
    check_bundle_files(bundle)
    with tempfile.TemporaryDirectory(prefix="platform-desk-smoke-") as folder:
        program = FrozenProgram(bundle, Path(folder))
        version = program.run("--version", "--version").stdout.strip()
        print(f"smoke: {version}")
        check(version == f"Platform Desk {__version__}", "--version", f"printed {version!r}")
        help_text = program.run("--help", "--help").stdout
        check_translations(program)
        db = program.scratch / "a.db"
        check_records(program, db)
        if lists_command(help_text, "export") and lists_command(help_text, "import"):
            check_sync(program, db)
        else:
            print("smoke: export/import not in --help yet: skipped")
        check_reports(program, db, help_text)
        if "--smoke" in help_text:
            check_gui(program, db)
        else:
            print("smoke: GUI --smoke not in --help yet: skipped")
        if lists_command(help_text, "encrypt"):
            check_encryption(program, db, "--smoke" in help_text)
        check_server(program)
        if portable:
            check_portable(program, bundle)
    print(f"smoke: passed in {time.monotonic() - started:.0f} s")
