"""The benchmark registry, the shared data and measuring helpers, and the result table.

To add an area, create a module in this package with functions decorated ``@benchmark`` that take the
``Session`` and return ``Figure``s; ``python -m tests.benchmarks`` imports every module of the package.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

PROJECT = Path(__file__).resolve().parents[2]
BENCHMARKS: list[Callable[["Session"], Iterable["Figure"]]] = []

# Runs a command and reports its wall time and the peak resident memory of it and its children. Peak RSS
# comes from getrusage(RUSAGE_CHILDREN), which covers every child a process ever waited for, so each
# measured command gets this small parent of its own.
_MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
run = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
seconds = time.perf_counter() - started
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
lines = run.stderr.decode("utf-8", "replace").strip().splitlines()
errors = [line for line in lines if "rror" in line] or lines
print(json.dumps({"returncode": run.returncode, "seconds": seconds, "peak_mib": peak_kib / 1024,
                  "last_error": errors[-1] if errors else ""}))
"""


class BenchmarkError(Exception):
    """A measured command failed; the message names it and its last line on stderr."""


def benchmark(function):
    """Register ``function(session) -> Iterable[Figure]``."""
    BENCHMARKS.append(function)
    return function


@dataclass(frozen=True)
class Figure:
    """One measured value beside its baseline, with the goal it must meet (a ratio, a limit, or none)."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    max_ratio: float | None = None
    max_value: float | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    @property
    def goal(self) -> str:
        goals = []
        if self.max_ratio is not None:
            goals.append(f"≤ {self.max_ratio:g}×")
        if self.max_value is not None:
            goals.append(f"≤ {self.max_value:g} {self.unit}")
        return " and ".join(goals) or "—"

    @property
    def met(self) -> bool | None:
        """True or False against the goal; None when there is no goal."""
        checks = []
        if self.max_ratio is not None:
            checks.append(self.ratio is not None and self.ratio <= self.max_ratio)
        if self.max_value is not None:
            checks.append(self.value <= self.max_value)
        return all(checks) if checks else None


def _amount(value: float, unit: str) -> str:
    return f"{value:.3g} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def format_table(figures: Iterable[Figure]) -> str:
    """A Markdown table: figure, value, baseline, ratio, goal, met?"""
    lines = ["| figure | value | baseline | ratio | goal | met? |", "|---|---:|---|---:|---|---|"]
    for figure in figures:
        baseline = f"{_amount(figure.baseline, figure.unit)} ({figure.baseline_name})" if figure.baseline else "—"
        ratio = f"{figure.ratio:.2f}×" if figure.ratio is not None else "—"
        met = {True: "yes", False: "**no**", None: "—"}[figure.met]
        lines.append(
            f"| {figure.name} | {_amount(figure.value, figure.unit)} | {baseline} | {ratio} | {figure.goal} | {met} |"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mib: float


def measure(command: list[str], env: dict | None = None, cwd: Path | None = None) -> Run:
    """Run ``command`` once (output discarded); its wall time and peak memory. Fails if it fails."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *map(str, command)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=True,
    )
    report = json.loads(result.stdout)
    if report["returncode"] != 0:
        raise BenchmarkError(
            f"{' '.join(map(str, command))} failed (exit status {report['returncode']}): {report['last_error']}"
        )
    return Run(report["seconds"], report["peak_mib"])


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


RECORD_TABLES = ("actions", "attachments", "events", "participations", "people")


def all_tables(db: Path) -> list[str]:
    with sqlite3.connect(db) as connection:
        return [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]


def schema_of(db: Path) -> list[str]:
    """The statements that create ``db``'s tables, then its indexes."""
    with sqlite3.connect(db) as connection:
        return [
            sql
            for (sql,) in connection.execute(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
                "ORDER BY type = 'index'"
            )
        ]


def table_rows(db: Path, tables: Iterable[str]) -> dict[str, tuple[list[str], list[tuple]]]:
    """The columns and all rows of each table, to replay with ``bare_insert``; an explicit ``rowid``
    column is left out so that the rows can join a table that has its own."""
    result = {}
    with sqlite3.connect(db) as connection:
        for table in tables:
            cursor = connection.execute(f'SELECT * FROM "{table}"')
            columns = [column[0] for column in cursor.description]
            keep = [index for index, column in enumerate(columns) if column != "rowid"]
            result[table] = ([columns[i] for i in keep], [tuple(row[i] for i in keep) for row in cursor])
    return result


def count_rows(rows: dict[str, tuple[list[str], list[tuple]]]) -> int:
    return sum(len(values) for _, values in rows.values())


def bare_insert(target: Path, rows: dict[str, tuple[list[str], list[tuple]]], schema: list[str] = ()) -> float:
    """Seconds to write ``rows`` into ``target`` with plain ``sqlite3`` ``executemany`` in one transaction,
    with the program's WAL and synchronous settings; ``schema`` first creates the tables of a new file."""
    connection = sqlite3.connect(target, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    for statement in schema:
        connection.execute(statement)

    def write():
        connection.execute("BEGIN")
        for table, (columns, values) in rows.items():
            marks = ", ".join("?" for _ in columns)
            connection.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', values)
        connection.execute("COMMIT")

    seconds = timed(write)
    connection.close()
    return seconds


def copy_database(source: Path, target: Path) -> Path:
    """A copy of a closed SQLite database (with its WAL file, if any)."""
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
        else:
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    return target


class Session:
    """What every benchmark shares: the scale, the repeat count, a scratch folder, the program's command line."""

    def __init__(self, scale: int, repeats: int, folder: Path, backend: str = "sqlite"):
        self.scale = scale
        self.repeats = repeats
        self.folder = folder
        self.backend = backend  # "postgresql": the server benchmarks (``server``) instead of the others
        self.env = dict(
            os.environ,
            PYTHONPATH=str(PROJECT),
            PLATFORM_DESK_DATA=str(folder / "userdata"),
            QT_QPA_PLATFORM="offscreen",
            LANGUAGE="en",
        )
        self._databases: dict[str, Path] = {}

    def program(self, *args) -> list[str]:
        """The ``platform-desk`` command line with ``args``."""
        return [sys.executable, "-m", "desktop_app", *map(str, args)]

    def run_program(self, *args) -> Run:
        return measure(self.program(*args), env=self.env, cwd=self.folder)

    def median_seconds(self, command: list) -> float:
        """The median wall time of ``repeats`` runs of ``command`` (any program, e.g. a baseline)."""
        return statistics.median(measure(command, env=self.env, cwd=self.folder).seconds for _ in range(self.repeats))

    def create(self, name: str, *init_args) -> tuple[Path, Run]:
        """A new database ``name.db`` made by ``init`` with ``init_args``, and how long that took."""
        db = self.folder / f"{name}.db"
        for stale in self.folder.glob(f"{name}.db*"):
            stale.unlink()
        run = self.run_program(
            "--db", db, "init", "--device-name", f"bench-{name}", "--role", "secretariat", *init_args
        )
        return db, run

    def database(self, name: str, *init_args) -> Path:
        """A database shared by the benchmarks, created on first use."""
        if name not in self._databases:
            self._databases[name] = self.create(name, *init_args)[0]
        return self._databases[name]

    def create_scaled(self) -> Run:
        """(Re)create the database of ``init --demo-scale N``: N synthetic events with their people,
        participations and actions; how long that took."""
        self._databases["scaled"], run = self.create(f"scale-{self.scale}", "--demo-scale", self.scale)
        return run

    def scaled_database(self) -> Path:
        if "scaled" not in self._databases:
            self.create_scaled()
        return self._databases["scaled"]
