"""Print how long the GUI takes on a large database: first page of events, one search keystroke, opening the editor.

    platform-desk --db /tmp/x.db init --device-name b --role secretariat --demo-scale 20000
    QT_QPA_PLATFORM=offscreen python -m tests.benchmarks.gui_timings /tmp/x.db

The benchmark suite runs it too (``gui.py``) and holds each figure to the 50 ms goal.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication


def _ms(start: float) -> str:
    return f"{(time.perf_counter() - start) * 1000:.1f} ms"


def main(db: Path, passphrase_file: Path | None = None) -> None:
    app = QApplication.instance() or QApplication([])
    from desktop_app.domain.desk import Desk
    from desktop_app.ui.main_window import MainWindow

    desk = Desk.open(db, passphrase_file.read_bytes().strip() if passphrase_file else None)
    start = time.perf_counter()
    window = MainWindow(desk)
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    page = window.page("events")
    print(f"main window with the first page of {page.model.rowCount()} events: {_ms(start)}")
    start = time.perf_counter()
    page.model.refresh()
    window.repaint()
    app.processEvents()
    print(f"events table re-read and painted: {_ms(start)}")
    start = time.perf_counter()
    window.reader.search_index("event")  # the window builds it in the background once it is shown
    print(f"search index of {page.model.rowCount()} events built once, in the background: {_ms(start)}")
    for text in ("S", "Sy", "Synthetic webinar 0001", "астана", "Almaty", "zzz"):
        page.search.setText(text)
        start = time.perf_counter()
        page.apply_filters()
        page.table.viewport().repaint()
        print(f"search keystroke ({text!r}, {page.model.rowCount()} rows): {_ms(start)}")
    page.search.setText("")
    page.apply_filters()
    page.model.sort(1)
    start = time.perf_counter()
    page.table.viewport().repaint()
    print(f"sorted by title and painted: {_ms(start)}")
    for row in (0, 10_000, page.model.rowCount() - 1):
        start = time.perf_counter()
        page.table.selectRow(row)
        app.processEvents()
        print(f"open the editor on row {row}: {_ms(start)}")
    start = time.perf_counter()
    page.table.scrollToBottom()
    page.table.viewport().repaint()
    print(f"scroll to the end and paint: {_ms(start)}")
    window.close()
    desk.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)  # [passphrase file]
