"""Progress and cancellation of long work, without Qt.

An operation runs its work with a ``Progress`` made current (``running``); the work, and the domain code
it calls, report through ``checkpoint(label, done, total)``, which raises ``Cancelled`` once the user has
asked to stop. ``Desk.transaction`` passes a checkpoint just before it commits, so any write cancelled in
time rolls back and leaves the database as it was.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Cancelled(Exception):
    """The user asked to stop; nothing was committed after the last finished transaction."""


class Progress:
    """What a running operation has done; ``cancel()`` may be called from any thread."""

    REPORT_EVERY = 0.05  # seconds between two reports passed on to ``on_report``

    def __init__(self, on_report: Callable[[str | None, int | None, int | None], None] | None = None):
        self.on_report = on_report
        self._cancelled = threading.Event()
        self._last = 0.0
        self.label: str | None = None

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        if self._cancelled.is_set():
            raise Cancelled()

    def report(self, label: str | None = None, done: int | None = None, total: int | None = None) -> None:
        """Tell what is being done (``done`` of ``total`` rows, files or parts); raises ``Cancelled`` if asked."""
        self.check()
        if label is not None:
            self.label = label
        now = time.monotonic()
        if self.on_report is not None and (label is not None or now - self._last >= self.REPORT_EVERY or done == total):
            self._last = now
            self.on_report(self.label, done, total)


_current: ContextVar[Progress | None] = ContextVar("platform_desk_progress", default=None)


@contextmanager
def running(progress: Progress) -> Iterator[Progress]:
    """Make ``progress`` the one ``checkpoint`` reports to, in this thread, for the duration."""
    token = _current.set(progress)
    try:
        yield progress
    finally:
        _current.reset(token)


def checkpoint(label: str | None = None, done: int | None = None, total: int | None = None) -> None:
    """Report to the running operation, if any; raises ``Cancelled`` when it was cancelled."""
    progress = _current.get()
    if progress is not None:
        progress.report(label, done, total)
