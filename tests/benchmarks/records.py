"""Records at scale: creating a database of N synthetic events, and ``dump`` of all its records."""

from __future__ import annotations

import sqlite3
import statistics
import sys

from tests.benchmarks.core import Figure, Session, bare_insert, benchmark, table_rows

RECORD_TABLES = ("actions", "attachments", "events", "participations", "people")
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
    with sqlite3.connect(db) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    rows = table_rows(db, tables)
    count = sum(len(values) for _, values in rows.values())
    bare = statistics.median(bare_insert(db, session.folder / "bare.db", rows) for _ in range(session.repeats))
    (session.folder / "bare.db").unlink()
    yield Figure(f"init --demo-scale {session.scale:,}", statistics.median(run.seconds for run in runs), "s",
                 bare, f"sqlite3 executemany of its {count:,} rows")
    yield Figure(f"init --demo-scale {session.scale:,}: peak memory", max(run.peak_mib for run in runs), "MiB")


@benchmark
def dump(session: Session):
    db = session.scaled_database()
    value = session.median_seconds(session.program("--db", db, "dump"))
    bare = session.median_seconds([sys.executable, "-c", _SELECT_ALL, db, *RECORD_TABLES])
    yield Figure(f"dump of {session.scale:,} events with their records", value, "s",
                 bare, "sqlite3 SELECT of the same rows")
