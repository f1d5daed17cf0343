"""The passphrase of an encrypted database in the window: asking for it at start, and the lock.

The window locks after ``lock_after_minutes`` without keyboard or mouse input (settings.json, default 10;
put off while a modal dialog is open) and on Ctrl+L. Locking clears every table, hides the pages and any
other window (what is being typed in them stays, unsaved, for after the unlock), closes every database
connection and wipes the key; the passphrase is then asked again. After five wrong passphrases each
further attempt waits longer.
Files written for viewing (attachments opened from an event) go to ``scratch_folder()``, removed on lock
and at exit.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QAbstractProxyModel, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app import paths
from desktop_app.domain.desk import Desk
from desktop_app.errors import DeskError
from desktop_app.i18n import _
from desktop_app.storage import database, encryption
from desktop_app.ui.widgets.common import follow_language
from desktop_app.ui.widgets.table_model import LazyTableModel

DEFAULT_LOCK_MINUTES = 10
FREE_ATTEMPTS = 5
MAX_WAIT_S = 60
ACTIVITY = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel})
_scratch: list[Path] = []


def lock_after_minutes() -> int:
    """Minutes of inactivity before the window locks (``lock_after_minutes`` in settings.json; 0: never)."""
    try:
        value = json.loads((paths.data_dir() / "settings.json").read_text(encoding="utf-8"))["lock_after_minutes"]
        return max(0, int(value))
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_LOCK_MINUTES


def scratch_folder() -> Path:
    """A new private temporary folder, removed when the window locks and when the program ends."""
    folder = Path(tempfile.mkdtemp(prefix="platform-desk-"))
    _scratch.append(folder)
    return folder


@atexit.register
def remove_scratch() -> None:
    while _scratch:
        shutil.rmtree(_scratch.pop(), ignore_errors=True)


def table_models(window) -> list[LazyTableModel]:
    """The lazily read tables shown anywhere in ``window`` (behind any proxy model)."""
    found = []
    for view in window.findChildren(QAbstractItemView):
        model = view.model()
        while isinstance(model, QAbstractProxyModel):
            model = model.sourceModel()
        if isinstance(model, LazyTableModel) and model not in found:
            found.append(model)
    return found


class Attempts:
    """Wrong passphrases so far; from the fifth on, the seconds to wait before the next try doubles."""

    def __init__(self):
        self.failures = 0

    def failed(self) -> int:
        self.failures += 1
        return 0 if self.failures < FREE_ATTEMPTS else min(MAX_WAIT_S, 2 ** (self.failures - FREE_ATTEMPTS + 1))

    def succeeded(self) -> None:
        self.failures = 0


class PassphraseBox(QWidget):
    """A password field with a button; ``submitted`` carries what was typed, and the field is emptied."""

    submitted = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.button = QPushButton()
        self.field.returnPressed.connect(self._submit)
        self.button.clicked.connect(self._submit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.field)
        layout.addWidget(self.status)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignRight)
        self._waiting = QTimer(self, singleShot=True)
        self._waiting.timeout.connect(lambda: self._enable(True))
        follow_language(self)

    def retranslate(self) -> None:
        self.field.setAccessibleName(_("Passphrase"))
        self.field.setPlaceholderText(_("Passphrase"))

    def _submit(self) -> None:
        text = self.field.text()
        self.field.clear()
        if text and self.field.isEnabled():
            self.submitted.emit(text)

    def refuse(self, message: str, wait_s: int) -> None:
        if wait_s:
            message = _("{message} Wait {seconds} s before the next try.").format(message=message, seconds=wait_s)
            self._enable(False)
            self._waiting.start(wait_s * 1000)
        self.status.setText(message)

    def _enable(self, enabled: bool) -> None:
        self.field.setEnabled(enabled)
        self.button.setEnabled(enabled)
        if enabled:
            self.field.setFocus()


class OpenEncryptedDialog(QDialog):
    """Asks the passphrase of an encrypted database until it opens (``desk``) or the user gives up."""

    def __init__(self, path: Path, parent=None):
        super().__init__(parent)
        self.path = Path(path)
        self.desk: Desk | None = None
        self.attempts = Attempts()
        self.box = PassphraseBox()
        self.box.submitted.connect(self._try)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(buttons)
        follow_language(self)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Encrypted database"))
        self.box.message.setText(_("{path} is encrypted. Type its passphrase to open it.").format(path=self.path))
        self.box.button.setText(_("Open the database"))
        self.cancel.setText(_("Cancel"))

    def _try(self, passphrase: str) -> None:
        try:
            self.desk = Desk.open(self.path, passphrase)
        except encryption.WrongPassphrase:
            self.box.refuse(_("Wrong passphrase."), self.attempts.failed())
            return
        except DeskError as error:
            self.box.refuse(str(error), 0)
            return
        finally:
            del passphrase
        self.accept()


def open_database(path: Path, passphrase: bytes | None = None, ask: bool = True) -> Desk | None:
    """``Desk.open``, asking for the passphrase in a dialog (if ``ask``) when the file is encrypted and none
    was given; ``None`` when the user gave up. A server database asks for its password instead, if needed."""
    if paths.is_server_url(path):
        from desktop_app.ui.dialogs.server import open_server_database

        return open_server_database(path, ask=ask)
    if passphrase is not None or not encryption.is_encrypted(path) or not ask:
        return Desk.open(path, passphrase)
    dialog = OpenEncryptedDialog(path)
    return dialog.desk if dialog.exec() == QDialog.DialogCode.Accepted else None


class LockScreen(QWidget):
    """What the window shows while locked."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.box = PassphraseBox()
        # Centred by stretches rather than by an alignment, so that the wrapped texts get the height they need
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.box, 4)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.box.setMinimumWidth(360)
        self.box.setMaximumWidth(self.fontMetrics().averageCharWidth() * 70)
        follow_language(self)

    def retranslate(self) -> None:
        self.box.message.setText(_("Platform Desk is locked. Type the passphrase of the database to go on."))
        self.box.button.setText(_("Unlock"))


class Locker(QObject):
    """Locks ``window`` (a main window on an encrypted ``desk``) on Ctrl+L and after the idle time."""

    locked_changed = Signal(bool)

    def __init__(self, window, desk: Desk, minutes: int | None = None):
        super().__init__(window)
        self.window = window
        self.desk = desk
        self.key = database.key_of(desk.engine)
        self.attempts = Attempts()
        self.screen: LockScreen | None = None
        self._saved: QWidget | None = None
        self._hidden: list[QWidget] = []
        self._disabled: list[QAction | QShortcut] = []  # the window's menus and keys, dead while locked
        self.shortcut = QAction(window)  # File → Lock, Ctrl+L
        self.shortcut.setShortcut(QKeySequence("Ctrl+L"))
        self.shortcut.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.shortcut.triggered.connect(lambda _checked=False: self.lock())
        window.addAction(self.shortcut)
        if self.enabled and hasattr(window, "lock_anchor"):
            window.file_menu.insertAction(window.quit_action, self.shortcut)
        follow_language(self)
        minutes = lock_after_minutes() if minutes is None else minutes
        self.idle = QTimer(self, singleShot=True)
        self.idle.setInterval(minutes * 60_000)
        self.idle.timeout.connect(self._idle_lock)
        if self.key is not None and minutes > 0:
            QApplication.instance().installEventFilter(self)
            self.idle.start()

    def retranslate(self) -> None:
        self.shortcut.setText(_("&Lock"))

    @property
    def enabled(self) -> bool:
        """Only an encrypted database has a passphrase to ask for."""
        return self.key is not None

    @property
    def locked(self) -> bool:
        return self.screen is not None

    def eventFilter(self, watched, event) -> bool:
        if event.type() in ACTIVITY and not self.locked:
            self.idle.start()
        return False

    def _idle_lock(self) -> None:
        # Never in the middle of an exchange, nor over a modal dialog (hiding one would end it and lose what
        # was typed in it): try again after another idle period.
        sync = getattr(self.window, "pages", {}).get("sync")
        if (sync is not None and sync.busy()) or QApplication.activeModalWidget() is not None:
            self.idle.start()
            return
        self.lock()

    def lock(self) -> None:
        if not self.enabled or self.locked or not self.window.isVisible():
            return
        self.idle.stop()
        self._hidden = [w for w in QApplication.topLevelWidgets() if w is not self.window and w.isVisible()]
        for widget in self._hidden:
            widget.hide()
        for model in table_models(self.window):
            model.beginResetModel()
            model.ids = []
            model._cache.clear()
            model.endResetModel()
        reader = getattr(self.window, "reader", None)
        if reader is not None:
            reader.forget_orders()
            reader.engine.dispose()
        self.desk.engine.dispose()
        self.key.wipe()
        remove_scratch()
        self._disable_commands()
        self._saved = self.window.takeCentralWidget()
        self.screen = LockScreen()
        self.screen.box.submitted.connect(self.unlock)
        self.window.setCentralWidget(self.screen)
        self.screen.box.field.setFocus()
        self.locked_changed.emit(True)

    def _disable_commands(self) -> None:
        """Menus and shortcuts do nothing behind the lock screen (only the passphrase can be typed)."""
        self.window.menuBar().setEnabled(False)
        commands = self.window.findChildren(QAction) + self.window.findChildren(QShortcut)
        self._disabled = [command for command in commands if command.isEnabled() and command is not self.shortcut]
        for command in self._disabled:
            command.setEnabled(False)

    def unlock(self, passphrase: str) -> bool:
        """Unlock with ``passphrase``; False (and a message on the lock screen) when it is wrong."""
        if not self.locked:
            return True
        try:
            candidate = encryption.Key.for_file(self.desk.path, passphrase)
            encryption.connect(self.desk.path, candidate).close()
        except encryption.WrongPassphrase:
            self.screen.box.refuse(_("Wrong passphrase."), self.attempts.failed())
            return False
        except DeskError as error:
            self.screen.box.refuse(str(error), 0)
            return False
        finally:
            del passphrase
        self.attempts.succeeded()
        self.key.refill(candidate)
        self.window.takeCentralWidget().deleteLater()
        self.window.setCentralWidget(self._saved)
        self._saved, self.screen = None, None
        for command in self._disabled:
            command.setEnabled(True)
        self._disabled = []
        self.window.menuBar().setEnabled(True)
        for model in table_models(self.window):
            model.refresh()
        if hasattr(self.window, "reload"):
            self.window.reload()
        for widget in self._hidden:
            widget.show()
        self._hidden = []
        if self.idle.interval() > 0 and self.enabled:
            self.idle.start()
        self.locked_changed.emit(False)
        return True


def smoke_lock_cycle(window, passphrase: bytes) -> str | None:
    """For ``--smoke``: lock, check the tables are empty and no connection can be made, unlock; a problem or None."""
    locker: Locker = window.locker
    locker.lock()
    if not locker.locked or any(m.rowCount() for m in table_models(window)):
        return "the window did not lock"
    try:
        locker.desk.engine.connect().close()
        return "a connection could be made while locked"
    except Exception:  # the wiped key opens nothing
        pass
    if not locker.unlock(passphrase.decode("utf-8")):
        return "the passphrase did not unlock the window"
    return None
