"""Encryption at rest: command-line and GUI start-up, the GUI's timings and an import on a SQLCipher
database, each against the same work on the same database unencrypted (goal: within 1.3×)."""

from __future__ import annotations

import inspect
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.core import PROJECT, Figure, Session, benchmark, copy_database, measure
from tests.benchmarks.gui import _TIMING_LINE
from tests.benchmarks.sync import SENDER_EVENTS

MAX_RATIO = 1.3
PASSPHRASE = "Бишкек benchmark passphrase 2025"


def _passphrase_file(session: Session) -> Path:
    path = session.folder / "db-passphrase.txt"
    path.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return path


def encrypted_copy(session: Session, db: Path, name: str) -> Path:
    """``db`` copied and converted by the program's own ``encrypt`` command."""
    target = copy_database(db, session.folder / f"{name}.db")
    subprocess.run(
        session.program("--db", target, "--db-passphrase-file", _passphrase_file(session), "encrypt"),
        env=session.env,
        cwd=session.folder,
        check=True,
        capture_output=True,
    )
    return target


def _compare(name: str, plain: float, encrypted: float, unit: str = "s") -> Figure:
    return Figure(f"encrypted: {name}", encrypted, unit, plain, "the same unencrypted", max_ratio=MAX_RATIO)


def _paired(session: Session, plain: list, encrypted: list) -> tuple[float, float]:
    """Median seconds of ``plain`` and ``encrypted``, run alternately so that a busy machine weighs on both."""
    times = ([], [])
    for _ in range(session.repeats):
        for runs, command in zip(times, (plain, encrypted)):
            runs.append(measure(command, env=session.env, cwd=session.folder).seconds)
    return statistics.median(times[0]), statistics.median(times[1])


@benchmark
def encrypted_startup(session: Session):
    secret = _passphrase_file(session)
    demo = session.database("demo", "--demo")
    sealed = encrypted_copy(session, demo, "demo-encrypted")
    yield _compare(
        "start-up: list event (public record)",
        *_paired(
            session,
            session.program("--db", demo, "list", "event"),
            session.program("--db", sealed, "--db-passphrase-file", secret, "list", "event"),
        ),
    )
    scaled = session.scaled_database()
    sealed = encrypted_copy(session, scaled, "scaled-encrypted")
    yield _compare(
        f"GUI start-up (--smoke) on {session.scale:,} events",
        *_paired(
            session,
            session.program("--db", scaled, "--smoke"),
            session.program("--db", sealed, "--db-passphrase-file", secret, "--smoke"),
        ),
    )


def _gui_total_ms(session: Session, *args) -> float:
    """The sum of ``gui_timings``' figures (first page, searches, sort, editor, scroll), in ms."""
    output = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.gui_timings", *map(str, args)],
        capture_output=True,
        text=True,
        env=session.env,
        cwd=PROJECT,
        timeout=600,
        check=True,
    ).stdout
    return sum(float(match["ms"]) for match in map(_TIMING_LINE.match, map(str.strip, output.splitlines())) if match)


@benchmark
def encrypted_gui_timings(session: Session):
    scaled = session.scaled_database()
    sealed = session.folder / "scaled-encrypted.db"
    if not sealed.exists():
        sealed = encrypted_copy(session, scaled, "scaled-encrypted")
    secret = _passphrase_file(session)
    times = ([], [])
    for _ in range(session.repeats):
        times[0].append(_gui_total_ms(session, scaled))
        times[1].append(_gui_total_ms(session, sealed, secret))
    plain, encrypted = statistics.median(times[0]), statistics.median(times[1])
    yield _compare("GUI timings of gui_timings, summed", plain, encrypted, "ms")


def _trust_options(sender: Path) -> tuple:
    """``--trust FINGERPRINT`` for the sender, where imports ask for a confirmed first contact (SPEC §3)."""
    from desktop_app.domain.desk import Desk
    from desktop_app.sync import api

    if "trust" not in inspect.signature(api.import_files).parameters:
        return ()
    desk = Desk.open(sender)
    try:
        return ("--trust", desk.fingerprint)
    finally:
        desk.close()


@benchmark
def encrypted_import(session: Session):
    share = session.scale / 20_000
    holder = session.database("demo", "--demo")
    sender, _ = session.create("encryption-sender", "--demo-scale", round(SENDER_EVENTS * share))
    bundle = session.folder / "encryption-sender.pdsync"
    session.run_program("--db", sender, "export", "--full", "--out", bundle)
    trust = _trust_options(sender)
    sealed_holder = encrypted_copy(session, holder, "import-holder-encrypted")
    secret = _passphrase_file(session)
    times = {"plain": [], "encrypted": []}
    for _ in range(session.repeats):
        for kind, source, extra in (
            ("plain", holder, ()),
            ("encrypted", sealed_holder, ("--db-passphrase-file", secret)),
        ):
            shutil.rmtree(session.folder / "backups", ignore_errors=True)
            target = copy_database(source, session.folder / f"receiver-{kind}.db")
            times[kind].append(session.run_program("--db", target, *extra, "import", bundle, *trust).seconds)
    yield _compare(
        f"import of {round(SENDER_EVENTS * share):,} synthetic events",
        statistics.median(times["plain"]),
        statistics.median(times["encrypted"]),
    )
    shutil.rmtree(session.folder / "backups", ignore_errors=True)
