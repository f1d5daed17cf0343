"""``python -m tests.benchmarks [--quick] [--repeat N] [--only NAME] [--backend postgresql]``: run the
benchmarks, print one table. ``--backend postgresql`` runs those of a secretariat on a PostgreSQL server (``server``),
beside the same on a SQLite file, on a server the run starts."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform
import sys
import tempfile
import time
from pathlib import Path

from tests import benchmarks
from tests.benchmarks.core import BENCHMARKS, BenchmarkError, Session, format_table

FULL_SCALE, QUICK_SCALE = 20_000, 2_000


def load_areas() -> None:
    """Import every module of the package so that its ``@benchmark`` functions register themselves."""
    for module in pkgutil.iter_modules(benchmarks.__path__):
        if module.name not in ("core", "__main__"):
            importlib.import_module(f"tests.benchmarks.{module.name}")


def machine() -> str:
    """Cores, CPU model (from /proc/cpuinfo where there is one), Python and system."""
    cpuinfo = Path("/proc/cpuinfo")
    models = [
        line.split(":", 1)[1].strip()
        for line in (cpuinfo.read_text().splitlines() if cpuinfo.exists() else [])
        if line.startswith("model name")
    ]
    cpu = models[0] if models else platform.processor()
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SCALE:,} events instead of {FULL_SCALE:,}")
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="runs per figure; the median counts")
    parser.add_argument("--only", metavar="NAME", help="run only the benchmarks whose name contains NAME")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite", help="the database kind")
    args = parser.parse_args(argv)
    load_areas()
    chosen = [
        function
        for function in BENCHMARKS
        if (not args.only or args.only in function.__name__)
        and (function.__module__.endswith(".server") == (args.backend == "postgresql"))
    ]
    figures, failures = [], []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="platform-desk-bench-") as folder:
        session = Session(QUICK_SCALE if args.quick else FULL_SCALE, args.repeat, Path(folder), args.backend)
        for function in chosen:
            name = f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}"
            print(f"running {name} …", file=sys.stderr)
            try:
                figures.extend(function(session))
            except BenchmarkError as error:  # the others still run and show
                failures.append(f"{name}: {error}")
    print(f"Machine: {machine()}; median of {args.repeat} runs; {time.monotonic() - started:.0f} s in all.\n")
    print(format_table(figures))
    for failure in failures:
        print(f"\nFAILED {failure}")
    return 1 if failures or any(figure.met is False for figure in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
