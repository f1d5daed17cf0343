"""Long work off the GUI thread, in the spirit of Anki's ``CollectionOp`` and ``QueryOp``.

``run_operation(parent, label, work, on_done)`` calls ``work(progress)`` on a worker thread. After a short
delay a progress dialog appears with what the work reports (``progress.checkpoint(label, done, total)``)
and a Cancel button; cancelling makes the next checkpoint raise ``Cancelled``, and since ``Desk.transaction``
passes one before it commits, a cancelled write leaves the database as it was. Everything the page sees
happens on the GUI thread: ``on_done(result)``, ``on_cancelled()``, ``on_refused(error)`` for a refusal of
the domain (by default a dialog with its message), or for anything unexpected an error dialog naming the
log file, where the traceback was written.
``on_finished()`` always runs last, e.g. to enable the buttons again.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThread, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog

from desktop_app import logbook, paths
from desktop_app.domain.progress import Cancelled, Progress, running
from desktop_app.errors import DeskError
from desktop_app.i18n import _
from desktop_app.ui.widgets.common import show_error, unexpected_error_texts

PROGRESS_DELAY_MS = 400  # shorter work finishes without a dialog flashing up
_running: set["Operation"] = set()  # added on start, removed by the worker itself when the work ends
_running_lock = threading.Lock()


def running_count() -> int:
    """How many operations are still working (tests check that none is left behind)."""
    with _running_lock:
        return len(_running)


def busy() -> bool:
    """Whether an operation that writes (an import, a restore…) is still running: the window stays open."""
    with _running_lock:
        return any(not operation.read_only for operation in _running)


def stop_reading() -> None:
    """Cancel the operations that only read (a report being computed, a cache being warmed) and let them end."""
    with _running_lock:
        operations = list(_running)
    for operation in operations:
        if operation.read_only:
            operation.progress.cancel()
    wait_for_all()


def wait_for_all(timeout_ms: int = 30_000) -> bool:
    """Let running operations finish and their results reach the page (tests, closing); True when none is left."""
    from PySide6.QtCore import QDeadlineTimer, QEventLoop
    from PySide6.QtWidgets import QApplication

    deadline = QDeadlineTimer(timeout_ms)
    while True:
        idle = not running_count()
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)  # results reach their pages
        if idle and not running_count():
            return True
        if deadline.hasExpired():
            return False
        if not idle:
            QThread.msleep(5)


def unexpected_error_message(error: BaseException) -> str:
    """The message and the details of an unexpected error, as two lines."""
    return "\n".join(unexpected_error_texts(error, paths.log_file()))


class _Runner(QRunnable):
    def __init__(self, operation: "Operation"):
        super().__init__()
        self.operation = operation

    def run(self) -> None:  # the worker thread: touches no widget
        operation = self.operation
        try:
            with running(operation.progress):
                result = operation.work(operation.progress)
        except Cancelled:
            self._end("cancelled", None, "")
        except DeskError as error:
            logbook.error(f"{operation.label} {error}")
            self._end("refused", error, "")
        except Exception as error:  # noqa: BLE001 - logged here with its traceback, shown on the GUI thread
            logbook.unexpected(f"“{operation.label}”", error)
            self._end("failed", error, traceback.format_exc())
        else:
            self._end("done", result, "")

    def _end(self, outcome: str, value, details: str) -> None:
        """Tell the GUI thread, unless the page that asked (and its operation) is gone; the operation stops
        counting as running here, whatever becomes of the page."""
        operation = self.operation
        with _running_lock:
            if shiboken6.isValid(operation):
                operation.ended.emit(outcome, value, details)
            _running.discard(operation)


class Operation(QObject):
    """One piece of work on the thread pool, with its progress dialog; see the module's description."""

    progressed = Signal(object, object, object)  # label, done, total (from the worker thread)
    ended = Signal(str, object, str)  # outcome, result or error, traceback (from the worker thread)
    finished = Signal()

    def __init__(
        self,
        parent,
        label: str,
        work: Callable[[Progress], object],
        on_done=None,
        on_cancelled=None,
        on_finished=None,
        on_refused=None,
        cancellable: bool = True,
        delay_ms: int = PROGRESS_DELAY_MS,
        quiet: bool = False,
        read_only: bool = False,
    ):
        super().__init__(parent)
        self.parent_widget = parent
        self.label = label
        self.work = work
        self.on_done, self.on_cancelled, self.on_finished = on_done, on_cancelled, on_finished
        self.on_refused = on_refused
        self.quiet = quiet  # no progress dialog: work the user did not ask for (e.g. warming a cache)
        self.read_only = read_only or quiet  # may be dropped when the window closes
        self.cancellable = cancellable
        self.progress = Progress(lambda *values: self.progressed.emit(*values))
        self.dialog: QProgressDialog | None = None
        self.outcome: str | None = None
        self._last: tuple | None = None
        self._timer = QTimer(self, singleShot=True, interval=delay_ms)
        self._timer.timeout.connect(self.show_dialog)
        self.progressed.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)
        self.ended.connect(self._end, Qt.ConnectionType.QueuedConnection)

    def start(self) -> "Operation":
        with _running_lock:
            _running.add(self)
        if not self.quiet:
            self._timer.start()
        QThreadPool.globalInstance().start(_Runner(self))
        return self

    def cancel(self) -> None:
        self.progress.cancel()
        if self.dialog is not None:
            self.dialog.setLabelText(_("Cancelling…"))
            self.dialog.setCancelButton(None)

    @Slot()
    def show_dialog(self) -> None:
        if self.outcome is not None or self.dialog is not None:
            return
        dialog = QProgressDialog(self.label, _("Cancel") if self.cancellable else "", 0, 0, self.parent_widget)
        dialog.setWindowTitle(_("Platform Desk"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(420)
        if not self.cancellable:
            dialog.setCancelButton(None)
        dialog.canceled.connect(self.cancel)
        self.dialog = dialog
        if self._last is not None:
            self._show_progress(*self._last)
        dialog.show()

    @Slot(object, object, object)
    def _show_progress(self, label, done, total) -> None:
        self._last = (label, done, total)  # shown when the dialog appears, if it is not there yet
        if self.dialog is None or self.progress.cancelled:
            return
        text = self.label if not label else f"{self.label}\n{label}"
        if done is not None and total:
            self.dialog.setMaximum(100)
            self.dialog.setValue(min(100, int(done * 100 / total)))
        self.dialog.setLabelText(text)

    @Slot(str, object, str)
    def _end(self, outcome: str, value, details: str) -> None:
        self.outcome = outcome
        self._timer.stop()
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        try:
            if outcome == "done":
                if self.on_done is not None:
                    self.on_done(value)
            elif outcome == "cancelled":
                if self.on_cancelled is not None:
                    self.on_cancelled()
            elif outcome == "refused" and self.on_refused is not None:
                self.on_refused(value)
            elif self.quiet:  # work the user did not ask for: the log has it, no dialog interrupts
                logbook.error(f"background work {self.label!r} ended: {value}")
            elif outcome == "refused":
                show_error(self.parent_widget, str(value))
            else:
                show_error(self.parent_widget, *unexpected_error_texts(value, paths.log_file()))
        finally:
            if self.on_finished is not None:
                self.on_finished()
            self.finished.emit()
            self.deleteLater()


def run_operation(parent, label: str, work: Callable[[Progress], object], on_done=None, **options) -> Operation:
    """Start ``work(progress)`` off the GUI thread; see ``Operation``."""
    return Operation(parent, label, work, on_done, **options).start()
