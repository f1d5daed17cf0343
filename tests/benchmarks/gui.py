"""GUI start-up: the main window on 20,000 events with ``--smoke``, against a bare PySide6 window (goal: 2×)."""

from __future__ import annotations

import sys

from tests.benchmarks.core import Figure, Session, benchmark

# QApplication and an empty QMainWindow, shown, then closed once the event loop is idle (as --smoke does).
_BARE_WINDOW = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.show()
QTimer.singleShot(0, app.quit)
sys.exit(app.exec())
"""
MAX_RATIO = 2


@benchmark
def gui_startup(session: Session):
    db = session.scaled_database()
    value = session.median_seconds(session.program("--db", db, "--smoke"))
    bare = session.median_seconds([sys.executable, "-c", _BARE_WINDOW])
    yield Figure(f"GUI start-up (--smoke) on {session.scale:,} events", value, "s", bare, "bare PySide6 window",
                 max_ratio=MAX_RATIO)
