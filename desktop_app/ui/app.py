"""Starting the GUI: one running copy per database, the first-start dialog, errors as dialogs, ``--smoke``.

The main window is shown (navigation, menus and "Loading…") before SQLAlchemy is imported; the database is
then opened off the GUI thread and attached to the window, which shows its first page.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app import i18n, logbook, paths
from desktop_app.errors import DeskError
from desktop_app.i18n import _
from desktop_app.storage import encryption
from desktop_app.ui import qt_i18n
from desktop_app.ui.widgets import palette
from desktop_app.ui.widgets.common import show_error, unexpected_error_texts

if TYPE_CHECKING:
    from desktop_app.domain.desk import Desk

LOCK_WAIT_MS = 200
OPENING_DIALOG_DELAY_MS = 2000  # "Opening the database…" only when it takes long (an upgrade, a slow disk)


def lock_for(db_path: Path | str) -> QLockFile | None:
    """Hold the lock file beside the database; ``None`` when another running copy holds it.

    A server database takes no lock (several staff work in it at once, SPEC §6): its lock holds nothing.
    """
    if paths.is_server_url(db_path):
        return QLockFile("")
    lock = QLockFile(str(Path(db_path).with_name(Path(db_path).name + ".lock")))
    lock.setStaleLockTime(0)
    return lock if lock.tryLock(LOCK_WAIT_MS) else None


class ErrorReporter:
    """``sys.excepthook`` for the GUI: log the traceback, show one translated dialog, remember the failure."""

    def __init__(self, smoke: bool):
        self.smoke = smoke
        self.failed = False

    def __call__(self, kind, value, tb) -> None:
        self.failed = True
        logbook.unexpected("the window", value)
        message, details = unexpected_error_texts(value, paths.log_file())
        if self.smoke:
            print(f"{message}\n{details}", file=sys.stderr)
            QApplication.exit(1)
            return
        show_error(None, message, details)


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
    app.setPalette(palette.accessible(app.palette()))
    qt_i18n.install(i18n.current_language())
    reporter = ErrorReporter(smoke)
    sys.excepthook = reporter
    db_path = db_path if paths.is_server_url(db_path) else Path(db_path)
    if not paths.is_server_url(db_path) and not db_path.parent.exists() and db_path.parent == paths.data_dir():
        db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = lock_for(db_path)
    if lock is None:
        _tell(_("Platform Desk is already open on {path}.").format(path=db_path), smoke)
        return 1
    windows = Windows(lock, smoke)
    try:
        return _run_window(app, db_path, reporter, smoke, windows, passphrase)
    finally:
        windows.unlock()


class Windows:
    """The open main windows and the lock of the database each shows; File → Open switches between them."""

    def __init__(self, lock: QLockFile, smoke: bool = False):
        self.locks = [lock]  # the lock of the database open now
        self.smoke = smoke
        self.windows: list = []

    def open_main(self, desk: Desk | None = None):
        """A new main window, shown; on ``desk`` if given, else "Loading…" until ``attach``."""
        from desktop_app.ui.main_window import MainWindow

        window = MainWindow()
        window.open_database.connect(lambda path: self.switch(window, path))
        self.windows.append(window)
        window.show()
        if desk is not None:
            self.attach(window, desk)
        return window

    def attach(self, window, desk: Desk) -> None:
        """Show ``desk`` in ``window`` (shown "Loading…" so far), with its lock, and tell its notices."""
        from desktop_app import user_settings
        from desktop_app.ui.lock import Locker

        window.attach(desk)
        window.locker = Locker(window, desk)
        user_settings.remember_database(desk.url or desk.path)
        for notice in desk.notices:
            _tell(notice, self.smoke, window)

    def switch(self, window, path: Path):
        """File → Open: the other database in a new window, once this one may close; the new window or None."""
        path = path if paths.is_server_url(path) else Path(path).absolute()
        if str(path) == window.desk.location or not window.may_leave():
            return None
        lock = lock_for(path)
        if lock is None:
            show_error(window, _("Platform Desk is already open on {path}.").format(path=path))
            return None
        from desktop_app.ui.lock import open_database

        try:
            desk = open_database(path)
        except DeskError as error:
            lock.unlock()
            show_error(window, str(error))
            return None
        if desk is None:  # the passphrase was not given
            lock.unlock()
            return None
        old_lock = self.locks.pop(0)
        self.locks.append(lock)
        window.hide()
        opened = self.open_main(desk)
        window.close()
        window.desk.close()
        old_lock.unlock()
        return opened

    def unlock(self) -> None:
        for held in self.locks:
            held.unlock()


SMOKE_LOCK_VARIABLE = "PLATFORM_DESK_SMOKE_LOCK"


def _smoke_lock(windows: list, passphrase: bytes | None, reporter: ErrorReporter) -> None:
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


def _opened_off_the_gui_thread(db_path: Path, passphrase: bytes | None) -> Desk:
    """``Desk.open`` on a worker thread, with the modules the first page needs imported there too."""
    from desktop_app.domain.desk import Desk
    from desktop_app.sync import api  # noqa: F401
    from desktop_app.ui import lock  # noqa: F401
    from desktop_app.ui.pages import events  # noqa: F401 - imported here, not on the GUI thread

    i18n.language_names()  # the editor's translations tab lists them: Babel's data is read here
    return Desk.open(db_path, passphrase)


def _open_into(window, app: QApplication, db_path: Path, windows: Windows, passphrase: bytes | None) -> None:
    """Open ``db_path`` and attach it to ``window``; a refusal is told and the program ends with its status."""
    from desktop_app.ui import operations

    def refused(error: DeskError) -> None:
        _tell(str(error), windows.smoke, window)
        app.exit(error.exit_code)

    def finished() -> None:
        if operation.outcome == "failed":  # the error dialog (the log, with --smoke) has told what
            app.exit(1)

    on_server = paths.is_server_url(db_path)
    if on_server or (passphrase is None and encryption.is_encrypted(db_path) and not windows.smoke):
        from desktop_app.ui.lock import open_database

        try:  # a passphrase, or a server's password, is asked on the GUI thread, over the window
            desk = open_database(db_path, ask=not windows.smoke)
        except DeskError as error:
            refused(error)
            return
        if desk is None:
            app.exit(1)
        else:
            windows.attach(window, desk)
        return
    operation = operations.run_operation(
        window,
        _("Opening the database…"),
        lambda _progress: _opened_off_the_gui_thread(db_path, passphrase),
        lambda desk: windows.attach(window, desk),
        on_refused=refused,
        on_finished=finished,
        cancellable=False,
        delay_ms=OPENING_DIALOG_DELAY_MS,
        quiet=windows.smoke,
    )


def _run_window(
    app: QApplication, db_path: Path, reporter: ErrorReporter, smoke: bool, windows: Windows, passphrase: bytes | None
) -> int:
    def smoke_end() -> None:
        QTimer.singleShot(0, lambda: _smoke_lock(windows.windows, passphrase, reporter) or app.quit())

    if paths.is_server_url(db_path) or db_path.exists():
        window = windows.open_main()
        if smoke:  # the window is painted once the events shown with it are handled
            QTimer.singleShot(0, lambda: print(f"smoke: window shown at {time.time():.3f}", flush=True))
            window.ready.connect(smoke_end)
        QTimer.singleShot(0, lambda: _open_into(window, app, db_path, windows, passphrase))
    else:
        from desktop_app.ui.dialogs.first_start import FirstStartDialog

        wizard = FirstStartDialog(db_path)
        wizard.accepted.connect(lambda: windows.open_main(wizard.desk))
        wizard.rejected.connect(app.quit)
        windows.windows.append(wizard)
        wizard.show()
        if smoke:
            smoke_end()
    status = app.exec()
    for window in windows.windows:
        desk = getattr(window, "desk", None)
        if desk is not None:
            desk.close()
    return 1 if reporter.failed else status
