"""Sync at scale: export and import of about 100,000 field changes into a database that already holds
about 1,000,000, against plain ``sqlite3`` writing the same rows (goal: within 4×, under 300 MiB)."""

from __future__ import annotations

import shutil
import sqlite3
import statistics
from pathlib import Path

from tests.benchmarks.core import (RECORD_TABLES, Figure, Session, bare_insert, benchmark, copy_database,
                                   count_rows, table_rows)

# ``init --demo-scale`` writes about 38.7 field changes per synthetic event (with its people,
# participations and actions); these give about 1,000,000 and 100,000 changes at the full scale.
HOLDER_EVENTS, SENDER_EVENTS = 25_850, 2_585
MAX_RATIO, MAX_PEAK_MIB = 4, 300


def _fingerprint(db: Path) -> str:
    """The key fingerprint a person would confirm before the first import from ``db`` (SPEC §3)."""
    from desktop_app.domain.identity import fingerprint

    with sqlite3.connect(db) as connection:
        return fingerprint(connection.execute("SELECT public_key FROM installation").fetchone()[0])


def _changes(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT count(*) FROM changes").fetchone()[0]


@benchmark
def sync_export_import(session: Session):
    share = session.scale / 20_000  # --quick: a tenth of everything
    holder, _ = session.create("sync-holder", "--demo-scale", round(HOLDER_EVENTS * share))
    sender, _ = session.create("sync-sender", "--demo-scale", round(SENDER_EVENTS * share))
    bundle, receiver = session.folder / "sender.pdsync", session.folder / "receiver.db"
    sent, held = _changes(sender), _changes(holder)

    def fresh_receiver() -> Path:
        shutil.rmtree(session.folder / "backups", ignore_errors=True)  # the backup each import takes
        return copy_database(holder, receiver)

    exports = [session.run_program("--db", sender, "export", "--full", "--out", bundle) for _ in range(session.repeats)]
    imports = []
    for _ in range(session.repeats):
        fresh_receiver()
        imports.append(session.run_program("--db", receiver, "import", bundle, "--trust", _fingerprint(sender)))
    rows = table_rows(sender, (*RECORD_TABLES, "changes"))
    bare = statistics.median(bare_insert(fresh_receiver(), rows) for _ in range(session.repeats))
    baseline = f"sqlite3 executemany of its {count_rows(rows):,} rows"
    for label, runs in ((f"export of {sent:,} changes", exports), (f"import of {sent:,} changes into {held:,}", imports)):
        yield Figure(f"sync: {label}", statistics.median(run.seconds for run in runs), "s", bare, baseline,
                     max_ratio=MAX_RATIO)
        yield Figure(f"sync: {label}: peak memory", max(run.peak_mib for run in runs), "MiB", max_value=MAX_PEAK_MIB)
    for db in (holder, sender, receiver):
        db.unlink()
    shutil.rmtree(session.folder / "backups", ignore_errors=True)
