"""File → Open a server database…: the window on a shared PostgreSQL database, remembered without its password."""

from __future__ import annotations

import json

from PySide6.QtWidgets import QApplication

from desktop_app import user_settings
from desktop_app.domain.desk import Desk
from desktop_app.storage import server
from tests.ui.conftest import answer_next_dialog


def test_file_menu_opens_a_server_database_and_remembers_it_without_the_password(qtbot, demo_db, pg_url, tmp_path):
    from desktop_app.ui.app import Windows, lock_for

    Desk.create(pg_url, "UNODC secretariat", "secretariat").close()
    typed = pg_url.replace("desk@", "desk:Sup3rSecret@")  # the test server trusts loopback; the password is ignored
    windows = Windows(lock_for(demo_db))
    first = windows.open_main(Desk.open(demo_db))
    qtbot.addWidget(first)
    seen = []

    def fill(dialog):
        dialog.field.setText(typed)
        dialog.grab().save(str(tmp_path / "server-dialog.png"))
        seen.append(dialog.label.text().replace("&", ""))  # its Alt-letter is the screen's to choose

    answered = answer_next_dialog(qtbot, "Connect", fill)
    first.server_action.trigger()
    qtbot.waitUntil(lambda: len(windows.windows) == 2, timeout=10_000)
    assert answered and seen == ["Address of the database on the office's PostgreSQL server:"]
    second = windows.windows[-1]
    qtbot.addWidget(second)
    assert second.desk.url == server.display(pg_url) and second.desk.identity["device_name"] == "UNODC secretariat"
    assert user_settings.recent_databases()[0] == server.display(pg_url)
    assert "Sup3rSecret" not in json.dumps(user_settings.load())
    second._fill_recent()
    assert [a.text() for a in second.recent_menu.actions()] == [str(demo_db.absolute())]
    assert lock_for(pg_url) is not None  # several staff at once: no single-instance lock on a server
    second.close()
    second.desk.close()
    windows.unlock()


def test_the_server_dialog_explains_an_address_that_is_not_one(qtbot):
    from desktop_app.ui.dialogs.server import ServerDialog

    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    dialog.field.setText("C:/data/platform.db")
    dialog.buttons.accepted.emit()
    assert dialog.url is None and dialog.error.isVisibleTo(dialog)
    assert "postgresql://user@host[:port]/dbname" in dialog.error.text()


def test_the_window_asks_for_the_password_the_server_wants(qtbot, password_url, monkeypatch, tmp_path):
    from desktop_app.ui.dialogs.server import open_server_database
    from tests.conftest import SERVER_PASSWORD

    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PGPASSWORD", SERVER_PASSWORD)
    Desk.create(password_url, "UNODC secretariat", "secretariat").close()
    monkeypatch.delenv("PGPASSWORD")
    asked = []

    def fill(dialog):
        asked.append(dialog.labelText())
        dialog.setTextValue(SERVER_PASSWORD)

    answer_next_dialog(qtbot, "OK", fill)
    desk = open_server_database(password_url)
    try:
        assert desk.identity["device_name"] == "UNODC secretariat"
        assert asked == [f"Password for {server.display(password_url)}:"]
    finally:
        desk.close()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)  # the first question is gone
    answer_next_dialog(qtbot, "Cancel")
    assert open_server_database(password_url) is None  # the person gave up: nothing opens, nothing fails


def test_what_other_staff_write_shows_in_the_window_without_a_reload(qtbot, pg_url):
    from desktop_app.ui.main_window import MainWindow

    Desk.create(pg_url, "UNODC secretariat", "secretariat").close()
    mine = Desk.open(pg_url)
    window = MainWindow(mine)
    qtbot.addWidget(window)
    window.show()
    events = window.page("events")
    assert events.model.rowCount() == 0 and events.count_label.text().startswith("Nothing recorded here yet")
    colleague = Desk.open(pg_url)  # another member of staff, in another program
    try:
        colleague.put("event", {"type": "webinar", "title": "Written by a colleague", "start_date": "2025-02-03"})
    finally:
        colleague.close()
    qtbot.waitUntil(lambda: events.count_label.text() == "1 row", timeout=10_000)
    window.close()
    mine.close()
