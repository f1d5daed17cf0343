"""Named points where a test may kill the program, to show that a crash there loses nothing.

With ``PLATFORM_DESK_KILL_AT=<name>`` in its environment, the process kills itself (SIGKILL: no clean-up,
no ``finally``) on reaching the point ``<name>``. Unset, a point costs one environment lookup. Tests use
this instead of killing after a guessed delay, which hits a different moment on every machine.
"""

from __future__ import annotations

import os
import signal

ENVIRONMENT = "PLATFORM_DESK_KILL_AT"


def reached(name: str) -> None:
    """Kill this process now if a test asked for a kill at ``name``."""
    if os.environ.get(ENVIRONMENT) == name:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))  # SIGTERM: TerminateProcess on Windows
