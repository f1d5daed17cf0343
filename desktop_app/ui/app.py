"""Starting the GUI: one running copy per database, the first-start dialog, errors as dialogs, ``--smoke``."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QLockFile, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app import i18n, paths
from desktop_app.domain.desk import Desk
from desktop_app.domain.errors import DeskError
from desktop_app.i18n import _
from desktop_app.ui import qt_i18n
from desktop_app.ui.common import show_error

log = logging.getLogger("platform_desk")
LOCK_WAIT_MS = 200


def lock_for(db_path: Path) -> QLockFile | None:
    """Hold the lock file beside the database; ``None`` when another running copy holds it."""
    lock = QLockFile(str(Path(db_path).with_name(Path(db_path).name + ".lock")))
    lock.setStaleLockTime(0)
    return lock if lock.tryLock(LOCK_WAIT_MS) else None


def log_file() -> Path:
    return paths.data_dir() / "logs" / "platform-desk.log"


class ErrorReporter:
    """``sys.excepthook`` for the GUI: log the traceback, show one translated dialog, remember the failure."""

    def __init__(self, smoke: bool):
        self.smoke = smoke
        self.failed = False

    def __call__(self, kind, value, tb) -> None:
        self.failed = True
        log.error("unexpected error\n%s", "".join(traceback.format_exception(kind, value, tb)))
        message = _("Something went wrong: {error}\n\nDetails were written to {log}").format(
            error=value, log=log_file())
        if self.smoke:
            print(message, file=sys.stderr)
            QApplication.exit(1)
            return
        show_error(None, message)


def _tell(message: str, smoke: bool, parent=None) -> None:
    if smoke:
        print(message, file=sys.stderr)
    else:
        QMessageBox.information(parent, _("Platform Desk"), message)


def run(db_path: Path, language: str | None = None, smoke: bool = False, passphrase: bytes | None = None) -> int:
    """Open the main window on ``db_path`` (the first-start dialog if it does not exist); the exit status.

    An encrypted database is opened with ``passphrase`` or, without it, after asking for it.
    """
    if language:
        i18n.set_language(language)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Platform Desk")
    qt_i18n.install(i18n.current_language())
    reporter = ErrorReporter(smoke)
    sys.excepthook = reporter
    db_path = Path(db_path)
    if not db_path.parent.exists() and db_path.parent == paths.data_dir():
        db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_for(db_path)
    if lock is None:
        _tell(_("Platform Desk is already open on {path}.").format(path=db_path), smoke)
        return 1
    try:
        return _run_window(app, db_path, reporter, smoke, passphrase)
    finally:
        lock.unlock()


SMOKE_LOCK_VARIABLE = "PLATFORM_DESK_SMOKE_LOCK"


def _smoke_lock(windows, passphrase: bytes | None, reporter: ErrorReporter) -> None:
    """With an encrypted database and ``PLATFORM_DESK_SMOKE_LOCK=1`` (the installer's smoke test sets it),
    ``--smoke`` also locks the window and unlocks it; without, ``--smoke`` measures start-up alone."""
    from desktop_app.ui.lock import smoke_lock_cycle

    locker = getattr(windows[0], "locker", None) if windows else None
    if os.environ.get(SMOKE_LOCK_VARIABLE) == "1" and locker is not None and locker.enabled and passphrase:
        problem = smoke_lock_cycle(windows[0], passphrase)
        if problem:
            print(f"smoke: {problem}", file=sys.stderr)
            reporter.failed = True
        else:
            print("smoke: locked and unlocked")


def _run_window(app: QApplication, db_path: Path, reporter: ErrorReporter, smoke: bool,
                passphrase: bytes | None) -> int:
    from desktop_app.ui import lock
    from desktop_app.ui.first_start import FirstStartDialog
    from desktop_app.ui.main_window import MainWindow

    windows = []

    def open_main(desk: Desk) -> None:
        window = MainWindow(desk)
        window.locker = lock.Locker(window, desk)
        windows.append(window)
        window.show()
        for notice in desk.notices:
            _tell(notice, smoke, window)

    if db_path.exists():
        try:
            desk = lock.open_database(db_path, passphrase, ask=not smoke)
        except DeskError as error:
            _tell(str(error), smoke)
            return error.exit_code
        if desk is None:
            return 1
        open_main(desk)
    else:
        wizard = FirstStartDialog(db_path)
        wizard.accepted.connect(lambda: open_main(wizard.desk))
        wizard.rejected.connect(app.quit)
        windows.append(wizard)
        wizard.show()
    if smoke:
        QTimer.singleShot(0, lambda: _smoke_lock(windows, passphrase, reporter) or app.quit())
    status = app.exec()
    for window in windows:
        desk = getattr(window, "desk", None)
        if desk is not None:
            desk.close()
    return 1 if reporter.failed else status
