"""The Events table on a small screen: every column shown can be read, in every language, and the columns
left out by default can be brought back from the header's menu (or the table's, by keyboard) and stay."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from desktop_app import i18n, user_settings
from desktop_app.tools.screenshots import switch_language
from desktop_app.ui.main_window import MainWindow

# 1280×720 at 100 %, and 1366×768 at 125 % (QT_SCALE_FACTOR=1.25) as the layout sees it: 1366/1.25 wide, and
# 768/1.25 high less a taskbar and the window's title bar (the size the screenshots tool draws at 125 %)
SCREENS = {"1280×720 at 100 %": (1280, 720), "1366×768 at 125 %": (1092, 546)}
TITLE_AT_LEAST_CHARS = 20  # a title cut in the middle is still recognisable with this much of it


def _column(page, key: str) -> int:
    return next(number for number, column in enumerate(page.model.columns) if column.key == key)


def _unreadable_columns(page) -> list[str]:
    """The shown columns whose header is cut, that lie (partly) outside the table's width, or (the date)
    whose text on screen is cut; a title column too narrow to recognise a title."""
    table, header = page.table, page.table.horizontalHeader()
    problems = []
    for number in range(header.count()):
        if header.isSectionHidden(number):
            continue
        name = page.model.headerData(number, Qt.Orientation.Horizontal)
        width = header.sectionSize(number)
        if width < header.sectionSizeHint(number):
            problems.append(f"header “{name}” cut: {width} px for {header.sectionSizeHint(number)}")
        if header.sectionViewportPosition(number) + width > header.viewport().width():
            problems.append(f"“{name}” beyond the table's right edge")
    date = _column(page, "start_date")
    for row in range(table.rowAt(0), table.rowAt(table.viewport().height() - 1) + 1):
        if table.sizeHintForIndex(page.model.index(row, date)).width() + 1 > table.columnWidth(date):
            problems.append(f"date {page.model.data(page.model.index(row, date))} cut")
    title = _column(page, "title")
    if table.columnWidth(title) < table.fontMetrics().averageCharWidth() * TITLE_AT_LEAST_CHARS:
        problems.append(f"title only {table.columnWidth(title)} px wide")
    return problems


def test_every_column_shown_on_events_is_readable_on_small_screens_in_every_language(window, qtbot):
    page = window.page("events")
    problems = []
    for screen, size in SCREENS.items():
        window.resize(*size)
        for language in i18n.LANGUAGES:
            switch_language(language)
            window.go_to("events")
            QApplication.processEvents()
            assert window.size().toTuple() == size
            problems += [f"{screen}, {language}: {problem}" for problem in _unreadable_columns(page)]
    switch_language("en")
    assert not problems, "\n".join(problems)


def _menu_from(qtbot, open_it) -> QMenu:
    open_it()
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    return QApplication.activePopupWidget()


def test_a_hidden_column_is_shown_from_the_header_menu_and_stays_shown(window, qtbot):
    page = window.page("events")
    header = page.table.horizontalHeader()
    status = _column(page, "status")
    assert header.isSectionHidden(status)  # left out at first: the title needs the room on a laptop
    menu = _menu_from(
        qtbot,
        lambda: QTest.mouseClick(  # through the window, as a real click comes
            window.windowHandle(), Qt.MouseButton.RightButton, pos=header.viewport().mapTo(window, QPoint(20, 5))
        ),
    )
    ticks = {action.text(): action for action in menu.actions()}
    assert [t for t, action in ticks.items() if action.isChecked()] == ["Date", "Title", "Type"]
    assert not ticks["Title"].isEnabled()  # the column that takes the room left is always there
    ticks["Status"].trigger()
    menu.close()
    assert not header.isSectionHidden(status) and header.sectionSize(status) >= header.sectionSizeHint(status)
    assert "status" not in user_settings.load()["hidden_columns"]["events"]

    again = MainWindow(window.desk)  # the next time the program starts
    qtbot.addWidget(again)
    assert not again.page("events").table.isColumnHidden(status)
    again.close()


def test_the_menu_key_on_the_table_offers_the_same_columns(window, qtbot):
    page = window.page("events")
    page.table.setFocus()
    menu_key = QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, QPoint(10, 10))  # as the platform sends it
    menu = _menu_from(qtbot, lambda: QApplication.sendEvent(QApplication.focusWidget(), menu_key))
    assert [action.text() for action in menu.actions()][:4] == ["Date", "Title", "Type", "City"]
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Return):  # Date, Type, City (Title
        QTest.keyClick(menu, key)  # cannot be chosen), tick
    assert not page.table.isColumnHidden(_column(page, "city"))
