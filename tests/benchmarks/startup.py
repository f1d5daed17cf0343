"""Command-line start-up: the time to a first answer, against starting Python and doing nothing."""

from __future__ import annotations

import sys

from tests.benchmarks.core import Figure, Session, benchmark


@benchmark
def cli_startup(session: Session):
    db = session.database("demo", "--demo")
    bare = session.median_seconds([sys.executable, "-c", "pass"])
    for label, args in (("--version", ("--version",)), ("list event (public record)", ("--db", db, "list", "event"))):
        value = session.median_seconds(session.program(*args))
        yield Figure(f"start-up: {label}", value, "s", bare, "python -c pass")
