"""Records at scale: creating a database of N synthetic events, and ``dump`` of all its records."""

from __future__ import annotations

import statistics
import sys

from tests.benchmarks.core import (
    RECORD_TABLES,
    Figure,
    Session,
    all_tables,
    bare_insert,
    benchmark,
    count_rows,
    schema_of,
    table_rows,
)

MAX_DUMP_RATIO = 3  # issue 14

# What ``dump`` reads, with plain sqlite3: every record row of every kind, ordered by id.
_SELECT_ALL = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
for table in sys.argv[2:]:
    connection.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
"""


@benchmark
def init_demo_scale(session: Session):
    runs = [session.create_scaled() for _ in range(session.repeats)]
    db = session.scaled_database()
    rows, schema, bare_db = table_rows(db, all_tables(db)), schema_of(db), session.folder / "bare.db"

    def bare_run() -> float:
        bare_db.unlink(missing_ok=True)
        return bare_insert(bare_db, rows, schema)

    bare = statistics.median(bare_run() for _ in range(session.repeats))
    bare_db.unlink()
    yield Figure(
        f"init --demo-scale {session.scale:,}",
        statistics.median(run.seconds for run in runs),
        "s",
        bare,
        f"sqlite3 executemany of its {count_rows(rows):,} rows",
    )
    yield Figure(f"init --demo-scale {session.scale:,}: peak memory", max(run.peak_mib for run in runs), "MiB")


@benchmark
def dump(session: Session):
    db = session.scaled_database()
    value = session.median_seconds(session.program("--db", db, "dump"))
    bare = session.median_seconds([sys.executable, "-c", _SELECT_ALL, db, *RECORD_TABLES])
    yield Figure(
        f"dump of {session.scale:,} events with their records",
        value,
        "s",
        bare,
        "sqlite3 SELECT of the same rows",
        max_ratio=MAX_DUMP_RATIO,
    )
