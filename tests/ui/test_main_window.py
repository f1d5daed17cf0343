"""The main window as a desktop program: pages built on first visit, menus and shortcuts, About with the
licences, another database opened, and long work off the GUI thread with its errors logged and shown."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from desktop_app import i18n, paths, user_settings
from desktop_app.domain.desk import Desk
from desktop_app.ui import operations
from desktop_app.ui.main_window import NAVIGATION, MainWindow
from desktop_app.ui.qt_i18n import switch_language

OFFSCREEN_NOISE = "This plugin does not support"  # the offscreen platform's own notes, not ours


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_page_is_built_on_its_first_visit_without_warnings(qtbot, qtlog, demo_db, language):
    switch_language(language)
    desk = Desk.open(demo_db)
    try:
        window = MainWindow(desk)
        qtbot.addWidget(window)
        window.show()
        assert list(window.pages) == ["events"]  # the first page only: start-up reads nothing else
        for key, _label, page, _quick in NAVIGATION:
            window.go_to(key)
            QApplication.processEvents()
            assert window.current_page() is window.pages[page] and window.pages[page].isVisible()
        assert set(window.pages) == {page for _key, _label, page, _quick in NAVIGATION}
        warnings = [r.message for r in qtlog.records if OFFSCREEN_NOISE not in r.message]
        assert not warnings
        window.close()
    finally:
        switch_language("en")
        desk.close()


def test_menus_hold_the_standard_and_the_programs_shortcuts(window):
    shortcuts = {
        keys.toString(): action
        for menu in (window.file_menu, window.edit_menu, window.view_menu, window.help_menu)
        for action in menu.actions()
        for keys in action.shortcuts()
    }
    for keys in ("Ctrl+N", "Ctrl+F", "Ctrl+I", "Ctrl+E", "Ctrl+M", "Ctrl+O", "Ctrl+Q", "Ctrl+1", "Ctrl+0"):
        assert keys in shortcuts, keys
    assert "F1" in shortcuts and "F5" in shortcuts
    file_actions = window.file_menu.actions()  # a window-wide action such as Lock goes after this separator
    assert file_actions.index(window.lock_anchor) == file_actions.index(window.quit_action) - 1
    assert all(not item.icon().isNull() for item in map(window.navigation.item, range(window.navigation.count())))


def test_menu_actions_act_on_the_current_page(window, qtbot):
    shortcuts = {action.shortcut().toString(): action for action in window.view_menu.actions()}
    shortcuts["Ctrl+5"].trigger()
    assert window.current_page() is window.pages["people"]
    window.find_action.trigger()
    assert window.pages["people"].search.hasFocus() or QApplication.focusWidget() is window.pages["people"].search
    window.go_to("reports")
    assert not window.new_action.isEnabled() and not window.find_action.isEnabled()


def test_about_shows_the_version_the_installation_and_every_licence(window, qtbot):
    from desktop_app import __version__
    from desktop_app.ui.dialogs.about import COMPONENTS, AboutDialog

    dialog = AboutDialog(window.desk, window)
    qtbot.addWidget(dialog)
    texts = {dialog.tabs.widget(0).item(row, 1).text() for row in range(dialog.tabs.widget(0).rowCount())}
    assert {window.desk.identity["device_id"], window.desk.fingerprint, str(paths.log_file())} <= texts
    assert any(__version__ in label.text() for label in dialog.findChildren(QLabel))
    assert any("Qt" in name and "LGPL" in licence for name, licence, _file in COMPONENTS)
    assert any("DejaVu" in name for name, _licence, _file in COMPONENTS)
    for _name, _licence, file in COMPONENTS:
        assert (paths.licenses_dir() / file).stat().st_size > 500, file
    assert dialog.licenses.rowCount() == len(COMPONENTS)


def test_a_licence_is_read_with_the_keyboard_alone(window, qtbot):
    from desktop_app.ui.dialogs.about import COMPONENTS, AboutDialog

    dialog = AboutDialog(window.desk, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentIndex(1)
    dialog.licenses.setFocus()
    qtbot.keyClick(dialog.licenses, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.licenses, Qt.Key.Key_Return)
    shown = dialog.licence_dialog
    assert shown.isVisible() and COMPONENTS[1][0] in shown.windowTitle()
    expected = (paths.licenses_dir() / COMPONENTS[1][2]).read_text(encoding="utf-8", errors="replace")
    assert shown.text.toPlainText() == expected and shown.focusWidget() is shown.text
    qtbot.keyClick(shown.text, Qt.Key.Key_Escape)
    assert not shown.isVisible() and QApplication.activeModalWidget() is None  # one Escape: it was open once
    read = next(
        button for button in dialog.findChildren(QPushButton) if button.text().replace("&", "") == "Read the licence"
    )
    read.click()  # the button reads the licence of the current row too
    assert COMPONENTS[1][0] in dialog.licence_dialog.windowTitle()
    qtbot.keyClick(dialog.licence_dialog.text, Qt.Key.Key_Escape)


def test_open_database_asks_for_a_file_and_remembers_recent_ones(window, monkeypatch, tmp_path):
    other = tmp_path / "other.db"
    Desk.create(other, "other", "secretariat").close()
    monkeypatch.setattr(
        "desktop_app.ui.main_window.QFileDialog.getOpenFileName", lambda *args, **kwargs: (str(other), "")
    )
    chosen = []
    window.open_database.connect(chosen.append)
    window.open_action.trigger()
    assert chosen == [other]
    user_settings.remember_database(other)
    user_settings.remember_database(window.desk.path)
    assert user_settings.recent_databases()[:2] == [window.desk.path, other]
    window._fill_recent()
    listed = [action.text() for action in window.recent_menu.actions()]
    assert listed == [str(other)]  # the database already open is not offered


def test_an_unexpected_error_in_an_operation_is_logged_and_shown(qtbot, monkeypatch, caplog):
    shown = []
    monkeypatch.setattr(
        operations, "show_error", lambda parent, message, details="": shown.append(f"{message}\n{details}")
    )

    def fail(_progress):
        raise RuntimeError("disk on fire")

    finished = []
    with caplog.at_level(logging.ERROR, logger="platform_desk"):
        operation = operations.run_operation(None, "Testing", fail, on_finished=lambda: finished.append(True))
        qtbot.waitUntil(lambda: bool(finished), timeout=10_000)
    assert operation.outcome == "failed"
    assert "disk on fire" in shown[0] and str(paths.log_file()) in shown[0]
    assert "Traceback" in caplog.text and "disk on fire" in caplog.text
    assert not operations.busy()


def test_a_slow_operation_shows_its_progress_and_what_it_is_doing(qtbot):
    import threading

    release = threading.Event()
    results = []

    def work(progress):
        progress.report("file 1 of 2", 1, 2)
        release.wait(10)
        return "done"

    operation = operations.run_operation(None, "Working", work, results.append, delay_ms=10)
    qtbot.waitUntil(
        lambda: operation.dialog is not None and "file 1 of 2" in operation.dialog.labelText(), timeout=10_000
    )
    assert operation.dialog.value() == 50
    release.set()
    qtbot.waitUntil(lambda: results == ["done"], timeout=10_000)
    assert operation.dialog is None


def test_the_window_the_command_line_and_the_report_agree_on_concurrent_twins(window):
    """Two installations added the same person to the same event: one participation everywhere."""
    import json
    from datetime import date

    from desktop_app.domain.reading import overdue
    from desktop_app.reports.data import Period, compute
    from tests.conftest import Cli
    from tests.test_reading import _concurrent_twin

    desk = window.desk
    event_id = desk.put(
        "event", {"title": "Twin conference", "type": "conference", "start_date": "2024-03-01", "status": "held"}
    )
    person_id = desk.put("person", {"full_name": "Twin Person"})
    desk.put("participation", {"event_id": event_id, "person_id": person_id, "attended": True})
    _concurrent_twin(desk, event_id, person_id)
    desk.put("action", {"event_id": event_id, "description": "Late", "due_date": "2024-04-01", "status": "open"})
    window.written_elsewhere()
    events = window.page("events")
    events.open_record(event_id)
    shown = [
        events.editor.participants.table.item(row, 0).text()
        for row in range(events.editor.participants.table.rowCount())
    ]
    listed = json.loads(Cli(desk.path)("list", "participation", "--json", check=True).stdout)
    assert shown == ["Twin Person"]
    assert [p["id"] for p in listed if p["event_id"] == event_id] == [
        events.editor.participants.table.item(0, 0).data(Qt.ItemDataRole.UserRole)
    ]
    window.go_to("actions")
    actions = window.page("actions")
    rows = [actions.model.row(n) for n in range(actions.model.rowCount())]
    report = compute(desk, Period.of(2024), today=date.today())
    counted = {event["id"] for event in report.events}
    assert sum(1 for row in rows if overdue(row) and row["event_id"] in counted) == report.figures["actions"]["overdue"]
    assert [p["id"] for p in report.participations if p["event_id"] == event_id] == [
        p["id"] for p in listed if p["event_id"] == event_id
    ]


def test_file_open_switches_to_the_other_database_and_moves_the_lock(qtbot, demo_db, tmp_path):
    from desktop_app.ui.app import Windows, lock_for

    other = tmp_path / "other.db"
    Desk.create(other, "other", "secretariat").close()
    lock = lock_for(demo_db)
    windows = Windows(lock)
    first = windows.open_main(Desk.open(demo_db))
    qtbot.addWidget(first)
    second = windows.switch(first, other)
    qtbot.addWidget(second)
    assert second.desk.path == other.absolute() and not first.isVisible()
    assert lock_for(other) is None  # held by the window now showing it
    relocked = lock_for(demo_db)
    assert relocked is not None  # released with the first window
    relocked.unlock()
    assert windows.switch(second, other) is None  # already open: nothing happens
    second.close()
    second.desk.close()
    windows.unlock()


def test_help_opens_the_log_folder_in_the_file_manager(window):
    """Help → Open the log folder hands the folder of ``paths.log_file`` to the desktop's file manager."""
    from PySide6.QtCore import QObject, QUrl, Slot
    from PySide6.QtGui import QDesktopServices

    class FileManager(QObject):
        def __init__(self):
            super().__init__()
            self.opened: list[str] = []

        @Slot(QUrl)
        def show(self, url):
            self.opened.append(url.toLocalFile())

    manager = FileManager()
    QDesktopServices.setUrlHandler("file", manager, "show")
    try:
        assert window.log_action in window.help_menu.actions()
        window.log_action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert manager.opened == [str(paths.log_file().parent)] and paths.log_file().parent.is_dir()


def test_a_window_closed_before_its_warm_up_starts_no_work(qtbot, demo_db):
    """The search index is warmed by a timer; fired after the window closed, it must not start an operation
    that outlives the window (every later wait for running work would hang until its deadline)."""
    desk = Desk.open(demo_db)
    try:
        window = MainWindow(desk)
        qtbot.addWidget(window)
        window.show()
        window.close()
        window._warm_up()  # what the timer does if it fires now
        assert not operations._running
    finally:
        desk.close()
