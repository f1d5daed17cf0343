"""Hybrid logical clock: timestamps that follow real time yet never run backwards.

A timestamp is text ``WWWWWWWWWWWWW.CCCC`` (milliseconds since 1970, then a
counter) so that comparing the strings compares the times. Ties between two
installations are broken by ``device_id`` wherever timestamps are compared.
"""

from __future__ import annotations

import time

MAX_SKEW_MS = 24 * 3600 * 1000  # a remote clock further ahead than this is suspect


def encode(wall_ms: int, counter: int) -> str:
    return f"{wall_ms:013d}.{counter:04d}"


def decode(stamp: str) -> tuple[int, int]:
    wall, counter = stamp.split(".")
    return int(wall), int(counter)


def wall_clock_ms() -> int:
    return int(time.time() * 1000)


class Clock:
    """The installation's clock; ``last`` is persisted so restarts never go back in time."""

    def __init__(self, last: str | None = None, now=None):
        self.last = decode(last) if last else (0, 0)
        self._now = now or (lambda: wall_clock_ms())  # looked up at each call, so tests can move the clock

    def tick(self) -> str:
        """A new timestamp for a local change, later than every one seen so far."""
        wall = max(self._now(), self.last[0])
        counter = self.last[1] + 1 if wall == self.last[0] else 0
        self.last = (wall, counter)
        return encode(*self.last)

    def observe(self, stamp: str) -> bool:
        """Take a remote timestamp into account; returns False if it is suspiciously far ahead.

        A remote clock more than a day ahead does not drag this clock past now + one day.
        """
        remote = decode(stamp)
        now = self._now()
        limit = (now + MAX_SKEW_MS, 0)
        plausible = remote <= limit
        self.last = max(self.last, min(remote, limit))
        return plausible

    @property
    def stamp(self) -> str:
        return encode(*self.last)
