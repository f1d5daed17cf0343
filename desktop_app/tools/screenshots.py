"""Render every screen and dialog in every language to PNG for translators' review.

``python -m desktop_app.tools.screenshots OUTDIR [--lang CODE ...] [--high-contrast] [--scale 2]`` writes
``OUTDIR/<language>/<screen>.png`` at 1280×800 from a demo database; ``--high-contrast`` uses a white on
black palette (``OUTDIR/<language>-high-contrast``), ``--scale 2`` draws at 200 % in the room a 1366×768
screen leaves (``OUTDIR/<language>-200``). ``screens`` is also what the tests walk through to find text left
untranslated.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from desktop_app import i18n
from desktop_app.domain.schema import DELEGATION


def screens(window) -> Iterator[tuple[str, object]]:
    """Show each page of the main window, then each dialog, yielding (name, widget) while it is visible."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui import operations
    from desktop_app.ui.dialogs.about import AboutDialog, ShortcutsDialog
    from desktop_app.ui.dialogs.first_start import FirstStartDialog
    from desktop_app.ui.dialogs.quick_meeting import QuickMeetingDialog

    window.show()
    for row in range(window.navigation.count()):
        window.navigation.setCurrentRow(row)
        QApplication.processEvents()
        operations.wait_for_all()  # e.g. the report, computed off the GUI thread
        QApplication.processEvents()
        yield window.navigation.item(row).data(Qt.ItemDataRole.UserRole), window
    window.go_to("events")
    for name, menu in (("menu-file", window.file_menu), ("menu-help", window.help_menu)):
        menu.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
        QApplication.processEvents()
        yield name, menu
        menu.hide()

    def licences():
        dialog = AboutDialog(window.desk, window)
        dialog.tabs.setCurrentIndex(1)
        return dialog

    dialogs = [
        ("quick-meeting", lambda: QuickMeetingDialog(window.desk, window.reader, parent=window)),
        ("first-start", lambda: FirstStartDialog(Path(tempfile.gettempdir()) / "platform-desk-preview.db")),
        ("about", lambda: AboutDialog(window.desk, window)),
        ("about-licences", licences),
        ("shortcuts", lambda: ShortcutsDialog(window)),
    ]
    for name, make in dialogs:
        dialog = make()
        dialog.show()
        QApplication.processEvents()
        yield name, dialog
        dialog.reject()
        dialog.deleteLater()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--lang", nargs="*", choices=i18n.LANGUAGES, default=list(i18n.LANGUAGES))
    parser.add_argument("--high-contrast", action="store_true", help="white on black, yellow selection")
    parser.add_argument("--scale", type=float, default=1.0, help="display scaling, e.g. 1.25 or 2")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.scale != 1:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)  # read when the application starts
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from desktop_app.domain.demo import load_public_record
    from desktop_app.domain.desk import Desk
    from desktop_app.ui import qt_i18n
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.widgets import palette

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setPalette(palette.accessible(palette.high_contrast_palette() if args.high_contrast else app.palette()))
    suffix = ("-high-contrast" if args.high_contrast else "") + (
        f"-{round(args.scale * 100)}" if args.scale != 1 else ""
    )
    size = (1280, 800) if args.scale == 1 else (int(1366 / args.scale), int((768 - 48) / args.scale) - 30)
    with tempfile.TemporaryDirectory() as folder:
        desk = Desk.create(Path(folder) / "demo.db", "Astana laptop", DELEGATION, "KZ")
        load_public_record(desk)
        window = MainWindow(desk)
        window.resize(*size)
        for language in args.lang:
            qt_i18n.switch_language(language)
            target = args.outdir / f"{language}{suffix}"
            target.mkdir(parents=True, exist_ok=True)
            for name, widget in screens(window):
                widget.grab().save(str(target / f"{name}.png"))
            print(target)
        window.close()
        window.deleteLater()  # destroyed now, so it stops following language switches
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        desk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
