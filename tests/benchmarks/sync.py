"""Sync at scale: export and import of about 100,000 field changes into an empty database and into one that
already holds about 1,000,000, against plain ``sqlite3`` writing the same rows (issue 14: import within 2×,
aiming at 1.5×, export within 1.5×, under 150 MiB), with SQLite's own session-changeset apply of the same rows
beside them as the floor (through ``apsw``, the ``bench`` extra; never in the program)."""

from __future__ import annotations

import shutil
import sqlite3
import statistics
from pathlib import Path

from tests.benchmarks.core import (
    RECORD_TABLES,
    Figure,
    Session,
    bare_insert,
    benchmark,
    copy_database,
    count_rows,
    table_rows,
    timed,
)

# ``init --demo-scale`` writes about 38.7 field changes per synthetic event (with its people,
# participations and actions); these give about 1,000,000 and 100,000 changes at the full scale.
HOLDER_EVENTS, SENDER_EVENTS = 25_850, 2_585
MAX_IMPORT_RATIO, MAX_EXPORT_RATIO, MAX_PEAK_MIB = 2, 1.5, 150


def _fingerprint(db: Path) -> str:
    """The key fingerprint a person would confirm before the first import from ``db`` (SPEC §3)."""
    from desktop_app.domain.identity import fingerprint

    with sqlite3.connect(db) as connection:
        return fingerprint(connection.execute("SELECT public_key FROM installation").fetchone()[0])


def _changes(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT count(*) FROM changes").fetchone()[0]


def changeset_apply(target: Path, rows: dict, scratch: Path) -> float | None:
    """Seconds for SQLite's session extension to apply, to ``target``, the changeset of inserting ``rows``
    (recorded on a copy, ``scratch``); None without ``apsw``."""
    try:
        import apsw
    except ImportError:
        return None
    copy_database(target, scratch)
    recorder = apsw.Connection(str(scratch))
    session = apsw.Session(recorder, "main")
    session.attach()
    recorder.execute("BEGIN")
    for table, (columns, values) in rows.items():
        marks = ", ".join("?" for _ in columns)
        recorder.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', values)
    recorder.execute("COMMIT")
    changeset = session.changeset()
    session.close()
    recorder.close()
    connection = apsw.Connection(str(target))
    connection.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")

    def apply():
        connection.execute("BEGIN")
        apsw.Changeset.apply(changeset, connection)
        connection.execute("COMMIT")

    seconds = timed(apply)
    connection.close()
    return seconds


@benchmark
def sync_export_import(session: Session):
    share = session.scale / 20_000  # --quick: a tenth of everything
    holder, _ = session.create("sync-holder", "--demo-scale", round(HOLDER_EVENTS * share))
    sender, _ = session.create("sync-sender", "--demo-scale", round(SENDER_EVENTS * share))
    empty, _ = session.create("sync-empty")
    bundle, receiver = session.folder / "sender.pdsync", session.folder / "receiver.db"
    scratch = session.folder / "scratch.db"
    sent, held = _changes(sender), _changes(holder)
    fingerprint = _fingerprint(sender)

    def fresh(base: Path) -> Path:
        shutil.rmtree(session.folder / "backups", ignore_errors=True)  # the backup each import takes
        return copy_database(base, receiver)

    exports = [session.run_program("--db", sender, "export", "--full", "--out", bundle) for _ in range(session.repeats)]
    rows = table_rows(sender, (*RECORD_TABLES, "changes"))
    baseline = f"sqlite3 executemany of its {count_rows(rows):,} rows"
    bare_full = statistics.median(bare_insert(fresh(holder), rows) for _ in range(session.repeats))
    yield Figure(
        f"sync: export of {sent:,} changes",
        statistics.median(run.seconds for run in exports),
        "s",
        bare_full,
        baseline,
        max_ratio=MAX_EXPORT_RATIO,
    )
    yield Figure(
        f"sync: export of {sent:,} changes: peak memory",
        max(run.peak_mib for run in exports),
        "MiB",
        max_value=MAX_PEAK_MIB,
    )
    for base, label in ((empty, "an empty database"), (holder, f"{held:,}")):
        imports = []
        for _ in range(session.repeats):
            fresh(base)
            imports.append(session.run_program("--db", receiver, "import", bundle, "--trust", fingerprint))
        bare = (
            bare_full
            if base is holder
            else statistics.median(bare_insert(fresh(base), rows) for _ in range(session.repeats))
        )
        name = f"sync: import of {sent:,} changes into {label}"
        yield Figure(
            name, statistics.median(run.seconds for run in imports), "s", bare, baseline, max_ratio=MAX_IMPORT_RATIO
        )
        yield Figure(f"{name}: peak memory", max(run.peak_mib for run in imports), "MiB", max_value=MAX_PEAK_MIB)
        floor = [changeset_apply(fresh(base), rows, scratch) for _ in range(session.repeats)]
        if None not in floor:
            yield Figure(
                f"{name}: SQLite session changeset apply (apsw), the floor",
                statistics.median(floor),
                "s",
                bare,
                baseline,
            )
    for db in (holder, sender, empty, receiver, scratch):
        for stale in db.parent.glob(f"{db.name}*"):
            stale.unlink()
    shutil.rmtree(session.folder / "backups", ignore_errors=True)
