"""The tables of Events, Follow-up actions, People and the Sync page's known installations on a small
screen: every column shown can be read, in every language; the Events columns left out by default can be
brought back from the header's menu (or the table's, by keyboard) and stay."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QStyleOptionComboBox

from desktop_app import i18n, user_settings
from desktop_app.domain.desk import Desk
from desktop_app.sync import api
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.pages.sync import DEVICE_COLUMNS
from desktop_app.ui.qt_i18n import switch_language

# 1280×720 at 100 %, and 1366×768 at 125 % (QT_SCALE_FACTOR=1.25) as the layout sees it: 1366/1.25 wide, and
# 768/1.25 high less a taskbar and the window's title bar (the size the screenshots tool draws at 125 %)
SCREENS = {"1280×720 at 100 %": (1280, 720), "1366×768 at 125 %": (1092, 546)}
STRETCHED_AT_LEAST_CHARS = 20  # a title (or fingerprint) cut in the middle is still recognisable with this much
# each page's table, and the column whose text on screen must never be cut (a date)
TABLES = {
    "events": (lambda page: page.table, "start_date"),
    "actions": (lambda page: page.table, "due_date"),
    "people": (lambda page: page.table, None),
    "sync": (lambda page: page.devices, None),
}


def _columns(page):
    return page.model.columns if hasattr(page, "model") else DEVICE_COLUMNS


def _column(page, key: str) -> int:
    return next(number for number, column in enumerate(_columns(page)) if column.key == key)


def _unreadable_columns(page, table, whole: str | None) -> list[str]:
    """The shown columns whose header is cut, that lie (partly) outside the table's width, or (``whole``, a
    date) whose text on screen is cut; a stretching column too narrow to recognise its text."""
    header, model = table.horizontalHeader(), table.model()
    problems = []
    for number in range(header.count()):
        if header.isSectionHidden(number):
            continue
        name = model.headerData(number, Qt.Orientation.Horizontal)
        width = header.sectionSize(number)
        if width < header.sectionSizeHint(number):
            problems.append(f"header “{name}” cut: {width} px for {header.sectionSizeHint(number)}")
        if header.sectionViewportPosition(number) + width > header.viewport().width():
            problems.append(f"“{name}” beyond the table's right edge")
    if whole:
        column = _column(page, whole)
        last = table.rowAt(table.viewport().height() - 1)  # -1: the rows end above the table's bottom
        for row in range(table.rowAt(0), (last if last >= 0 else model.rowCount() - 1) + 1):
            if table.sizeHintForIndex(model.index(row, column)).width() + 1 > table.columnWidth(column):
                problems.append(f"{model.index(row, column).data()} cut")
    stretched = next(number for number, column in enumerate(_columns(page)) if column.stretches)
    if table.columnWidth(stretched) < table.fontMetrics().averageCharWidth() * STRETCHED_AT_LEAST_CHARS:
        name = model.headerData(stretched, Qt.Orientation.Horizontal)
        problems.append(f"“{name}” only {table.columnWidth(stretched)} px wide")
    return problems


def _add_known_installation(window, tmp_path) -> str:
    """A bundle from UNODC Vienna imported: the Sync page lists that installation; its fingerprint."""
    secretariat = Desk.create(tmp_path / "secretariat.db", "UNODC Vienna", "secretariat")
    fingerprint = secretariat.fingerprint
    bundle = api.export_bundle(secretariat, tmp_path / "from-secretariat.pdsync").paths
    api.import_files(window.desk, bundle, trust=[fingerprint])
    secretariat.close()
    return fingerprint


def _add_overdue_action_in_september(window, tmp_path) -> None:
    """An action overdue since a day in September, the longest month's name in most languages."""
    event = window.desk.list("event")[0]["id"]
    window.desk.put("action", {"event_id": event, "description": "Send the report", "due_date": "2025-09-28"})


ADDED = {"sync": _add_known_installation, "actions": _add_overdue_action_in_september}  # what each table needs


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("key", TABLES)
def test_every_column_shown_is_readable_on_small_screens(window, qtbot, tmp_path, key, language):
    if key in ADDED:
        ADDED[key](window, tmp_path)
    table_of, whole = TABLES[key]
    page = window.page(key)
    problems = []
    switch_language(language)
    for screen, size in SCREENS.items():
        window.resize(*size)
        window.go_to(key)
        QApplication.processEvents()
        assert window.size().toTuple() == size
        table = table_of(page)
        assert table.model().rowCount() > 0
        problems += [f"{screen}: {problem}" for problem in _unreadable_columns(page, table, whole)]
    switch_language("en")
    assert not problems, "\n".join(problems)


def _edit_field_width(combo, text: str) -> int:
    """The room ``combo`` gives its text (without the arrow and frame) when it shows ``text``."""
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    option.currentText = text
    field = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
    )
    return field.width()


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_the_status_drop_down_shows_every_status_whole(window, qtbot, language):
    page = window.page("actions")
    switch_language(language)
    window.resize(*SCREENS["1366×768 at 125 %"])
    window.go_to("actions")
    QApplication.processEvents()
    index = page.model.index(0, _column(page, "status"))
    page.table.setCurrentIndex(index)
    page.table.edit(index)
    editor = page.table.indexWidget(index)
    labels = [editor.itemText(number) for number in range(editor.count())]
    metrics = editor.fontMetrics()
    cut = [label for label in labels if metrics.horizontalAdvance(label) > _edit_field_width(editor, label)]
    page.table.closeEditor(editor, page.table.itemDelegate().EndEditHint.RevertModelCache)
    switch_language("en")
    assert len(labels) > 2 and not cut


def test_a_fingerprint_cut_on_screen_is_whole_in_its_tooltip_and_copied_whole(window, qtbot, tmp_path):
    sent_by = _add_known_installation(window, tmp_path)
    window.resize(*SCREENS["1366×768 at 125 %"])
    window.go_to("sync")
    QApplication.processEvents()
    table = window.page("sync").devices
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text().startswith("UNODC Vienna"))
    fingerprint = table.item(row, _column(window.page("sync"), "fingerprint"))
    assert table.columnWidth(fingerprint.column()) < table.sizeHintForColumn(fingerprint.column())  # cut here
    assert fingerprint.toolTip() == sent_by
    table.setFocus()
    table.setCurrentItem(fingerprint)
    QTest.keySequence(table, "Ctrl+C")
    assert QGuiApplication.clipboard().text() == sent_by


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
