"""Keyboard-only use: nothing traps the focus, nothing typed is lost by a stray key, the safe answer is the
default, and the window fits small and scaled screens."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QCalendarWidget, QDialog, QLabel, QTableView

from desktop_app.domain.desk import Desk
from desktop_app.ui.main_window import NAVIGATION
from tests.ui.conftest import answer_next_dialog, event_id_titled, press, type_text

CONFERENCE = "First Annual Conference of the Regional Platform"


def _key(widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(widget, key, modifier)
    QApplication.processEvents()


def _focus(widget) -> None:
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    assert QApplication.focusWidget() is widget


def test_an_empty_optional_date_is_typed_stepped_and_left_by_keyboard(window, qtbot):
    page = window.page("events")
    page.select_id(event_id_titled(window.desk, CONFERENCE))
    form = page.editor.form
    end = form.editors["end_date"]
    end.set_value(None)
    _focus(end)
    assert end.date() == QDate.currentDate()  # offered, not 1 January 1900, and the calendar opens there
    _key(end, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not end and end.get_value() is None  # untouched: still empty
    _focus(end)
    QTest.keyClicks(end, "15/3/2025")  # English dates are en-GB: day, month, year
    assert end.get_value() == "2025-03-15" and page.editor.dirty
    _key(end, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not end
    _focus(end)
    _key(end, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is not end
    _focus(end)
    end.selectAll()
    _key(end, Qt.Key.Key_Delete)
    assert end.get_value() is None
    end.set_value(None)  # emptied while it has the focus: today is offered again
    _key(end, Qt.Key.Key_Down)  # the first part back from today: the day, in en-GB order
    assert end.get_value() == QDate.currentDate().addDays(-1).toString(Qt.DateFormat.ISODate)


def test_every_table_lets_tab_leave_and_sorts_by_keyboard(window, qtbot):
    for key, *_rest in NAVIGATION:
        window.go_to(key)
    from desktop_app.ui import operations

    operations.wait_for_all()
    views = [
        view
        for view in window.findChildren(QAbstractItemView)
        if isinstance(view, QTableView) and not isinstance(view.parent(), QCalendarWidget)
    ]
    assert len(views) >= 8
    assert [view.accessibleName() for view in views if view.tabKeyNavigation()] == []
    window.go_to("events")
    page = window.page("events")
    _focus(page.table)
    _key(page.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not page.table
    _focus(page.table)
    _key(page.table, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is not page.table
    _focus(page.table)
    page.table.setCurrentIndex(page.model.index(0, 1))  # the title column
    header = page.table.horizontalHeader()
    press(page.table, "Ctrl+Shift+S")
    assert header.sortIndicatorSection() == 1 and header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    titles = [page.model.data(page.model.index(row, 1)) for row in range(page.model.rowCount())]
    assert titles == sorted(titles, key=str.casefold)
    press(page.table, "Ctrl+Shift+S")
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def test_f6_goes_round_the_panes_and_ctrl_tab_round_the_editor_tabs(window, qtbot):
    page = window.page("events")
    _focus(window.navigation)
    press(window.navigation, "F6")
    assert page.list_pane.isAncestorOf(QApplication.focusWidget())
    press(QApplication.focusWidget(), "F6")
    assert page.editor.isAncestorOf(QApplication.focusWidget())
    press(QApplication.focusWidget(), "F6")
    assert QApplication.focusWidget() is window.navigation
    press(window.navigation, "Shift+F6")
    assert page.editor.isAncestorOf(QApplication.focusWidget())
    title = page.editor.form.editors["title"]
    _focus(title)
    tabs = page.editor.tabs
    assert tabs.currentIndex() == 0
    _key(title, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentIndex() == 1


def test_escape_in_the_editor_asks_before_discarding(window, qtbot):
    page = window.page("events")
    page.select_id(event_id_titled(window.desk, CONFERENCE))
    venue = page.editor.form.editors["venue"]
    _focus(venue)
    type_text(venue, " (hall B)")
    answered = answer_next_dialog(qtbot, "Cancel")
    _key(venue, Qt.Key.Key_Escape)
    assert answered and "Discard" in answered[0]
    assert venue.text().endswith("(hall B)") and page.editor.dirty
    window.activateWindow()  # back from the question
    qtbot.waitActive(window)
    _focus(venue)
    answered = answer_next_dialog(qtbot, "Discard")
    _key(venue, Qt.Key.Key_Escape)
    assert answered
    assert not venue.text().endswith("(hall B)") and not page.editor.dirty


def test_add_people_adds_the_person_typed_then_enter(window, qtbot):
    from desktop_app.ui.pages.people import PersonPicker

    page = window.page("events")
    event_id = event_id_titled(window.desk, CONFERENCE)
    page.select_id(event_id)
    person = window.desk.put("person", {"full_name": "Zhanna Unique-Testname", "country": "KZ"})
    window.reader.forget_orders()
    before = {p["person_id"] for p in window.desk.list("participation") if p["event_id"] == event_id}
    assert person not in before

    def type_and_enter(picker):
        assert isinstance(picker, PersonPicker)
        type_text(picker.search, "Unique-Testname")
        QTest.keyClick(picker.search, Qt.Key.Key_Return)

    answered = []

    def answer():
        picker = QApplication.activeModalWidget()
        if picker is None:
            qtbot.wait(20)
            return answer()
        answered.append(picker)
        type_and_enter(picker)

    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, answer)
    page.editor.add_people_button.click()
    assert answered and answered[0].result() == QDialog.DialogCode.Accepted
    after = {p["person_id"] for p in window.desk.list("participation") if p["event_id"] == event_id}
    assert after - before == {person}


def test_enter_in_the_first_contact_dialog_does_not_trust(qtbot):
    from desktop_app.ui.dialogs.first_contact import FirstContactDialog

    dialog = FirstContactDialog(
        {
            "device_name": "KG laptop",
            "role": "delegation",
            "country": "KG",
            "fingerprint": "ABCD EF01 2345 6789 ABCD EF01 2345 6789",
        }
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.safe_button.isDefault() and dialog.focusWidget() is dialog.safe_button
    assert not dialog.trust_button.isDefault()
    _key(dialog.focusWidget(), Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Rejected


@pytest.mark.parametrize("width, height", [(1093, 574), (1280, 680), (683, 344)])
def test_every_page_and_the_quick_meeting_fit_small_and_scaled_screens(window, qtbot, width, height):
    """1366×768 at 125 %, 1280×720 at 100 % and 1366×768 at 200 %, less the task bar and title bar."""
    for key, *_rest in NAVIGATION:
        window.go_to(key)
        hint = window.minimumSizeHint()
        assert hint.width() <= width and hint.height() <= height, (key, hint)
    from desktop_app.ui.dialogs.quick_meeting import QuickMeetingDialog

    dialog = QuickMeetingDialog(window.desk, window.reader, parent=window)
    qtbot.addWidget(dialog)
    hint = dialog.minimumSizeHint()
    assert hint.width() <= width and hint.height() <= height
    assert QApplication.focusWidget() is not dialog  # on the first tick box of the parties, not the container


def test_the_window_opens_as_it_was_closed(qtbot, demo_db):
    from desktop_app.ui.main_window import MainWindow

    desk = Desk.open(demo_db)
    first = MainWindow(desk)
    qtbot.addWidget(first)
    first.show()
    first.resize(700, 520)
    qtbot.wait(50)
    first.close()
    second = MainWindow(desk)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (700, 520)
    second.close()
    desk.close()


def test_locked_window_has_dead_menus_and_unclipped_text(qtbot, tmp_path):
    from desktop_app.ui import lock
    from desktop_app.ui.main_window import MainWindow

    passphrase = "Делегация KG 2025"
    desk = Desk.create(tmp_path / "e.db", "kg-laptop", "delegation", "KG", passphrase=passphrase)
    window = MainWindow(desk)
    window.locker = lock.Locker(window, desk, minutes=10)
    qtbot.addWidget(window)
    window.show()
    assert window.locker.shortcut in window.file_menu.actions()  # File → Lock, Ctrl+L
    from desktop_app import i18n

    for language in ("en", "ru", "ky", "tk"):
        i18n.set_language(language)
        window.locker.shortcut.trigger()  # Ctrl+L itself: tests/ui/test_lock.py
        assert window.locker.locked
        assert not window.menuBar().isEnabled() and not window.meeting_action.isEnabled()
        window.meeting_action.trigger()  # Ctrl+M: disabled, it does nothing
        assert QApplication.activeModalWidget() is None
        window.locker.unlock("wrong")
        qtbot.wait(20)
        for label in window.locker.screen.box.findChildren(QLabel):
            if label.text():
                assert label.height() >= label.heightForWidth(label.width()), (language, label.text())
        assert window.locker.unlock(passphrase)
        assert window.menuBar().isEnabled() and window.meeting_action.isEnabled()
    i18n.set_language("en")
    window.close()
    desk.close()
