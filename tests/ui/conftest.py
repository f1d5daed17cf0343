"""GUI fixtures: a real demo database per test (copied from one made per session) and the real main window."""

from __future__ import annotations

import shutil
import time

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from desktop_app import i18n
from desktop_app.domain.demo import load_public_record
from desktop_app.domain.desk import Desk


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """One demo database (the Platform's public record), made once and copied by each test."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    desk = Desk.create(path, "kz-laptop", "delegation", "KZ")
    load_public_record(desk)
    desk.close()
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path):
    path = tmp_path / "desk.db"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture
def window(qtbot, demo_db):
    """The main window on a fresh copy of the demo database, shown at 1280×800."""
    from desktop_app.ui.main_window import MainWindow

    def forget_typing(main) -> None:  # a failed test leaves no question open that would block closing
        for page in main.pages.values():  # the pages built during the test
            if hasattr(page, "editor"):
                page.editor.dirty = False

    desk = Desk.open(demo_db)
    main = MainWindow(desk)
    qtbot.addWidget(main, before_close_func=forget_typing)
    main.resize(1280, 800)
    main.show()
    main.activateWindow()
    qtbot.waitActive(main)
    yield main
    forget_typing(main)
    main.close()
    desk.close()


ANSWER_TIMEOUT_S = 30
_unanswered: dict[QTimer, str] = {}  # the answers prepared and not given yet, each with the button it waits for


def answer_next_dialog(qtbot, button_text: str, fill=None) -> list:
    """Click ``button_text`` in the next modal dialog (after ``fill(dialog)``); returns [dialog] once answered.

    A dialog that never shows that button (another language, another question) is closed after
    ``ANSWER_TIMEOUT_S`` and the test fails saying what it showed, instead of waiting in its event loop forever."""
    answered = []
    deadline = time.monotonic() + ANSWER_TIMEOUT_S
    poll = QTimer()
    poll.setInterval(20)

    def answer():
        dialog = QApplication.activeModalWidget()
        # the button as read: its Alt-letter marker (“&Save”) is not part of what it says
        buttons = [] if dialog is None else dialog.findChildren(QPushButton)
        button = next((b for b in buttons if b.text().replace("&", "") == button_text), None)
        if button is None or not dialog.isVisible():  # not shown yet, or a dialog answered before still closing
            if time.monotonic() > deadline:
                _stop(poll)
                if dialog is not None:
                    dialog.close()
                raise AssertionError(
                    f"no “{button_text}” button to click in {ANSWER_TIMEOUT_S} s; the open dialog showed "
                    f"{[b.text() for b in buttons]}"
                )
            return
        _stop(poll)
        if fill is not None:
            fill(dialog)
        answered.append(
            "\n".join(filter(None, (dialog.text(), dialog.informativeText())))
            if isinstance(dialog, QMessageBox)
            else dialog
        )
        button.click()

    poll.timeout.connect(answer)
    _unanswered[poll] = button_text
    poll.start()
    return answered


def _stop(poll: QTimer) -> None:
    poll.stop()
    _unanswered.pop(poll, None)


def event_id_titled(desk, title: str) -> str:
    return next(record["id"] for record in desk.list("event") if record["title"] == title)


def press(widget, keys: str) -> None:
    """Type a shortcut such as ``"Ctrl+S"`` into ``widget``."""
    widget.setFocus()
    QTest.keySequence(widget, QKeySequence(keys))


def type_text(widget, text: str) -> None:
    """Type ``text`` key by key, in any script (QTest's own typing knows only ASCII)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))


@pytest.fixture(autouse=True)
def _nothing_left_running(qapp):
    """A test fails when background work it started is still running once it is over (after a short grace):
    each operation must end and leave the list of running ones by itself."""
    yield
    from desktop_app.ui import operations

    if not operations.wait_for_all(timeout_ms=5_000):
        pytest.fail(f"{operations.running_count()} background operation(s) still running after the test")


@pytest.fixture(autouse=True)
def _nothing_left_open(qapp):
    """What one test leaves application-wide does not reach the next: a test fails when a modal dialog is
    still open or an answer it prepared was never given (both are closed or dropped), and Qt's own strings
    (standard buttons) are back in English with the program's messages."""
    yield
    from desktop_app.ui import qt_i18n

    left_open = []
    while (dialog := QApplication.activeModalWidget()) is not None and dialog not in left_open:
        left_open.append(dialog)
        dialog.close()
    waiting_for = list(_unanswered.values())
    for poll in list(_unanswered):
        _stop(poll)
    qt_i18n.install(i18n.DEFAULT_LANGUAGE)
    if left_open:
        pytest.fail(f"modal dialogs left open: {[dialog.windowTitle() for dialog in left_open]}")
    if waiting_for:
        pytest.fail(f"no dialog came to be answered with {waiting_for}")
