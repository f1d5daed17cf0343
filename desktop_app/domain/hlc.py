"""Hybrid logical clock: timestamps that follow real time yet never run backwards.

A timestamp is text ``WWWWWWWWWWWWW.CCCC`` (milliseconds since 1970, then a
counter) so that comparing the strings compares the times. Ties between two
installations are broken by ``device_id`` wherever timestamps are compared.

The counter never passes 9999: a tick beyond it carries into the milliseconds,
so a clock that runs ahead of real time stays well-formed however many changes
it stamps. Readings more than ``MAX_AHEAD_MS`` ahead of this computer's clock
are refused by sync (see ``ahead_ms``). A stamp only decides between edits made
without seeing each other: an edit made after seeing a value names it
(``replaces``) and replaces it whatever the clocks say, so no reading received
ever moves this clock ahead of this computer's own (``observe``).
"""

from __future__ import annotations

import re
import time

MAX_SKEW_MS = 24 * 3600 * 1000  # a remote clock further ahead than this is worth a warning
MAX_AHEAD_MS = 30 * MAX_SKEW_MS  # a remote reading further ahead than this is refused
COUNTER_LIMIT = 10_000
ZERO = "0000000000000.0000"
FORM = re.compile(r"([0-9]{13})\.([0-9]{4})", re.ASCII)  # ASCII digits only, nothing after the counter


def encode(wall_ms: int, counter: int) -> str:
    return f"{wall_ms:013d}.{counter:04d}"


def decode(stamp: str) -> tuple[int, int]:
    """(milliseconds, counter) of a reading; ValueError for anything but ``FORM`` (Arabic-Indic digits, a newline)."""
    parsed = FORM.fullmatch(stamp) if isinstance(stamp, str) else None
    if parsed is None:
        raise ValueError(f"not a clock reading: {stamp!r}")
    return int(parsed[1]), int(parsed[2])


def wall_clock_ms() -> int:
    return int(time.time() * 1000)


def after(stamp: tuple[int, int]) -> tuple[int, int]:
    """The reading just after ``stamp``: the counter plus one, carried into the milliseconds at 10,000."""
    wall, counter = stamp
    return (wall + 1, 0) if counter + 1 >= COUNTER_LIMIT else (wall, counter + 1)


def ahead_ms(stamp: str, now_ms: int | None = None) -> int:
    """How far ``stamp`` lies ahead of this computer's clock, in milliseconds (negative if behind)."""
    return decode(stamp)[0] - (wall_clock_ms() if now_ms is None else now_ms)


class Clock:
    """The installation's clock; ``last`` is persisted so restarts never go back in time."""

    def __init__(self, last: str | None = None, now=None):
        self.last = decode(last) if last else (0, 0)
        self._now = now or (lambda: wall_clock_ms())  # looked up at each call, so tests can move the clock

    def tick(self) -> str:
        """A new timestamp for a local change, later than every one seen so far."""
        now = self._now()
        self.last = (now, 0) if now > self.last[0] else after(self.last)
        return encode(*self.last)

    def observe(self, stamp: str) -> bool:
        """Take a remote timestamp into account; returns False if it is more than a day ahead.

        A remote reading moves this clock forward at most to this computer's own time: a received
        stamp never drags the installation's clock into the future.
        """
        remote = decode(stamp)
        now = self._now()
        self.last = max(self.last, min(remote, (now, 0)))
        return remote <= (now + MAX_SKEW_MS, 0)

    @property
    def stamp(self) -> str:
        return encode(*self.last)
