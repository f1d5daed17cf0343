"""A secretariat on PostgreSQL (``--backend postgresql``, issue 21): sync import, export, ``dump`` and the GUI
on a server database beside the same on a SQLite file, measured in the same run on a server this run starts
(``desktop_app.tools.local_postgres``). Import is held against plain ``psycopg`` ``executemany`` of the same rows
into the same server (goal: 3×)."""

from __future__ import annotations

import itertools
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.benchmarks.core import (
    RECORD_TABLES,
    BenchmarkError,
    Figure,
    Session,
    benchmark,
    count_rows,
    table_rows,
    timed,
)
from tests.benchmarks.gui import _BARE_WINDOW
from tests.benchmarks.sync import SENDER_EVENTS, _changes, _fingerprint

MAX_IMPORT_RATIO = 3
BOOLEAN_COLUMNS = {"deleted", "attended"}
_names = itertools.count(1)


@contextmanager
def local_server() -> Iterator[str]:
    """The maintenance URL of a PostgreSQL server started for this run, stopped afterwards."""
    import socket

    from desktop_app.tools import local_postgres

    reason = local_postgres.unavailable_reason()
    if reason:
        raise BenchmarkError(f"no PostgreSQL server: {reason}")
    folder = Path(tempfile.mkdtemp(prefix="pd-bench-postgres-"))  # one the server's own account can reach
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        yield local_postgres.start(folder, port=port, database="postgres")
    finally:
        local_postgres.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


def new_database(maintenance: str) -> str:
    """The URL of a new, empty database on the server."""
    from desktop_app.tools import local_postgres

    name = f"bench_{next(_names)}"
    local_postgres.create_database(maintenance, name)
    return maintenance.rsplit("/", 1)[0] + "/" + name


def bare_server_insert(url: str, rows: dict[str, tuple[list[str], list[tuple]]]) -> float:
    """Seconds to write ``rows`` into the (migrated, empty) server database ``url`` with plain ``psycopg``
    ``executemany`` in one transaction: the floor for an import into that server."""
    import psycopg

    with psycopg.connect(url) as connection:

        def write():
            with connection.transaction(), connection.cursor() as cursor:
                for table, (columns, values) in rows.items():
                    marks = ", ".join("%s" for _ in columns)
                    names = ", ".join(f'"{column}"' for column in columns)
                    cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)

        return timed(write)


@benchmark
def server_sync_and_screens(session: Session):
    share = session.scale / 20_000
    sender, _ = session.create("server-sender", "--demo-scale", round(SENDER_EVENTS * share))
    bundle = session.folder / "server-sender.pdsync"
    session.run_program("--db", sender, "export", "--full", "--out", bundle)
    sent, fingerprint = _changes(sender), _fingerprint(sender)
    rows = _typed(table_rows(sender, (*RECORD_TABLES, "changes")))
    with local_server() as maintenance:
        # Import of the sender's bundle into an empty secretariat: on the server, on a file, and the bare floor.
        on_server, on_file, bare = [], [], []
        for _ in range(session.repeats):
            url = new_database(maintenance)
            session.run_program("--db", url, "init", "--device-name", "bench-server", "--role", "secretariat")
            on_server.append(session.run_program("--db", url, "import", bundle, "--trust", fingerprint).seconds)
            floor = new_database(maintenance)
            session.run_program("--db", floor, "init", "--device-name", "bench-floor", "--role", "secretariat")
            bare.append(bare_server_insert(floor, rows))
            file, _ = session.create("server-file-receiver")
            on_file.append(session.run_program("--db", file, "import", bundle, "--trust", fingerprint).seconds)
        baseline = f"psycopg executemany of its {count_rows(rows):,} rows into the same server"
        name = f"server: import of {sent:,} changes into an empty secretariat"
        yield Figure(name, statistics.median(on_server), "s", statistics.median(bare), baseline, MAX_IMPORT_RATIO)
        yield Figure(f"{name}, beside a file", statistics.median(on_server), "s", statistics.median(on_file), "file")

        # The sender itself moved onto the server: export and dump there against the same on its file.
        moved = new_database(maintenance)
        session.run_program("--db", sender, "migrate-to", moved)
        out = session.folder / "server-export.pdsync"
        for label, target in (("export --full", ["export", "--full", "--out", out]), ("dump", ["dump"])):
            server_seconds = statistics.median(
                session.run_program("--db", moved, *target).seconds for _ in range(session.repeats)
            )
            file_seconds = statistics.median(
                session.run_program("--db", sender, *target).seconds for _ in range(session.repeats)
            )
            yield Figure(f"server: {label} of {sent:,} changes", server_seconds, "s", file_seconds, "file")

        # The window on the scaled database, moved onto the server.
        scaled = new_database(maintenance)
        session.run_program("--db", session.scaled_database(), "migrate-to", scaled)
        smoke = session.median_seconds(session.program("--db", scaled, "--smoke"))
        yield Figure(
            f"server: GUI start-up (--smoke) on {session.scale:,} events",
            smoke,
            "s",
            session.median_seconds(session.program("--db", session.scaled_database(), "--smoke")),
            "file",
        )
        yield Figure(
            f"server: GUI start-up (--smoke) on {session.scale:,} events, beside a bare window",
            smoke,
            "s",
            session.median_seconds([sys.executable, "-c", _BARE_WINDOW]),
            "bare PySide6 window",
        )


def _typed(rows: dict[str, tuple[list[str], list[tuple]]]) -> dict[str, tuple[list[str], list[tuple]]]:
    """SQLite's 0/1 for a boolean column, as PostgreSQL takes it (``deleted``, ``attended``)."""
    typed = {}
    for table, (columns, values) in rows.items():
        flags = [index for index, column in enumerate(columns) if column in BOOLEAN_COLUMNS]
        typed[table] = (
            columns,
            [tuple(bool(v) if i in flags and v is not None else v for i, v in enumerate(row)) for row in values]
            if flags
            else values,
        )
    return typed
