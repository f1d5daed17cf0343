"""Replay a history of the long property run (``test_no_silent_divergence``) from its printed steps.

Hypothesis prints a failing history as ``state = Platform()``, ``state.start()``, one ``state.rule(…)`` line per
step and ``state.teardown()``. Save those lines (with or without pytest's ``E`` margin) to a file, then, from a
checkout root::

    QT_QPA_PLATFORM=offscreen python -m tests.sync.replay STEPS           # replay: the failure, or "passed"
    QT_QPA_PLATFORM=offscreen python -m tests.sync.replay STEPS --shrink  # drop every step the failure survives

``--shrink`` replays each shorter history in a fresh process; ``--tries N`` counts a failure that shows in any of
N replays (a history that depends on the clock may fail only sometimes). The shortest history is printed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

_STEP = re.compile(r"(?<![\w.])state(?:\.| = ).*$")  # after any margin: "E   ", "  |  "


def steps_of(text: str) -> list[str]:
    """The ``state…`` lines of a printed history, without pytest's margin."""
    return [match.group(0) for line in text.splitlines() if (match := _STEP.search(line))]


def replay(steps: list[str]) -> None:
    """Run the steps against the real installations of the property test; raises what the history raises."""
    from tests.sync.test_no_silent_divergence import Platform

    exec("\n".join(steps), {"Platform": Platform})  # the steps are the test's own printed calls


def fails(steps: list[str], tries: int) -> str | None:
    """The last line of the error the steps end with in a fresh process, in any of ``tries`` replays; or None."""
    with tempfile.NamedTemporaryFile("w", suffix=".steps", delete=False) as file:
        file.write("\n".join(steps))
    try:
        for _ in range(tries):
            run = subprocess.run(
                [sys.executable, "-m", "tests.sync.replay", file.name],
                capture_output=True,
                text=True,
                env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            )
            if run.returncode:
                return (run.stderr.strip().splitlines() or ["(no output)"])[-1]
        return None
    finally:
        os.unlink(file.name)


def shrink(steps: list[str], tries: int) -> list[str]:
    """The history with every middle step removed that the same kind of failure survives."""
    first = fails(steps, tries)
    if first is None:
        raise SystemExit("the history passes: nothing to shrink")
    kind = first.split(":", 1)[0]
    head, body, tail = steps[:2], steps[2:-1], steps[-1:]
    index = 0
    while index < len(body):
        shorter = body[:index] + body[index + 1 :]
        error = fails(head + shorter + tail, tries)
        if error is not None and error.split(":", 1)[0] == kind:
            body = shorter
        else:
            index += 1
    return head + body + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.sync.replay", description=__doc__.splitlines()[0])
    parser.add_argument("steps", type=Path)
    parser.add_argument("--shrink", action="store_true", help="drop every step the failure survives")
    parser.add_argument("--tries", type=int, default=1, metavar="N", help="replays that may show a failure")
    args = parser.parse_args(argv)
    steps = steps_of(args.steps.read_text(encoding="utf-8"))
    if args.shrink:
        print("\n".join(shrink(steps, args.tries)))
        return 0
    replay(steps)
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
