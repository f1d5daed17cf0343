"""The Events screen driven as a user would: edit, search, filter, validation, unsaved changes, quick meeting."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_app import i18n
from desktop_app.domain.reading import EventFilter
from desktop_app.ui.pages.events import events_model
from tests.ui.conftest import answer_next_dialog, event_id_titled, press, type_text

CONFERENCE = "First Annual Conference of the Regional Platform"


def _titles(page) -> list[str]:
    model = page.model
    return [model.data(model.index(row, 1)) for row in range(model.rowCount())]


def _select(page, title: str) -> None:
    page.select_id(event_id_titled(page.editor.desk, title))
    assert page.editor.form.editors["title"].text() == title


def test_editing_an_event_updates_the_table(window, qtbot):
    page = window.page("events")
    _select(page, CONFERENCE)
    title = page.editor.form.editors["title"]
    title.clear()
    type_text(title, "Первая ежегодная конференция")
    assert page.editor.save_button.isEnabled()
    press(title, "Ctrl+S")
    assert "Первая ежегодная конференция" in _titles(page)
    assert CONFERENCE not in _titles(page)
    assert page.editor.record["title"] == "Первая ежегодная конференция"
    assert page.current_id() == page.editor.record_id


def test_search_is_case_insensitive_in_cyrillic_and_combines_with_filters(window, qtbot):
    page = window.page("events")
    desk = page.editor.desk
    desk.put(
        "event",
        {
            "type": "national_training",
            "title": "Семинар по ПРОФИЛАКТИКЕ коррупции",
            "start_date": "2024-05-05",
            "city": "Бишкек",
        },
    )
    page.apply_filters()
    type_text(page.search, "профилактике")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert _titles(page) == ["Семинар по ПРОФИЛАКТИКЕ коррупции"]
    page.search.clear()
    type_text(page.search, "БИШКЕК")
    qtbot.waitUntil(lambda: _titles(page) == ["Семинар по ПРОФИЛАКТИКЕ коррупции"])
    page.search.clear()
    type_text(page.search, "uzbekistan")  # a party, found by its country name
    qtbot.waitUntil(lambda: page.model.rowCount() > 1)
    assert all("UZ" in page.model.row(row)["parties"] for row in range(page.model.rowCount()))
    with_uzbekistan = page.model.rowCount()
    page.type_filter.set_value("bilateral_meeting")
    assert 0 < page.model.rowCount() < with_uzbekistan
    assert {page.model.row(row)["type"] for row in range(page.model.rowCount())} == {"bilateral_meeting"}
    page.search.clear()
    page.type_filter.set_value(None)
    page.year_filter.set_value(2023)
    assert len(_titles(page)) == 1 and _titles(page)[0].startswith("Founding meeting")


def test_quick_filters_from_the_navigation(window):
    window.go_to("conferences")
    page = window.page("events")
    assert page.model.rowCount() == 2
    assert {page.model.row(row)["type"] for row in range(2)} == {"conference"}
    window.go_to("events")
    assert page.model.rowCount() == 29


def test_validation_message_beside_the_field_keeps_what_was_typed(window, qtbot):
    page = window.page("events")
    _select(page, CONFERENCE)
    form = page.editor.form
    before = page.editor.desk.get(page.editor.record_id)
    form.editors["participants_total"].set_value(10)
    form.editors["participants_women"].set_value(7)
    form.editors["participants_men"].set_value(5)
    assert "exceed the total" in form.error_text("participants_total")  # shown as it is typed
    form.editors["city"].set_value("Астана")
    assert page.editor.save() is False
    assert "exceed the total" in form.error_text("participants_total")
    assert form.editors["city"].text() == "Астана"
    assert form.editors["participants_women"].get_value() == 7
    assert page.editor.desk.get(page.editor.record_id) == before
    form.editors["participants_men"].set_value(3)
    assert form.error_text("participants_total") == ""
    assert page.editor.save() is True
    assert page.editor.desk.get(page.editor.record_id)["city"] == "Астана"


def test_unsaved_changes_prompt_on_navigation_and_close(window, qtbot):
    page = window.page("events")
    _select(page, CONFERENCE)
    page.editor.form.editors["venue"].setText("Palace of Independence")
    assert page.editor.dirty
    answered = answer_next_dialog(qtbot, "Cancel")
    window.go_to("people")
    assert answered and "unsaved changes" in answered[0]
    assert window.current_page() is page
    assert page.editor.form.editors["venue"].text() == "Palace of Independence"
    answer_next_dialog(qtbot, "Cancel")
    window.close()
    assert window.isVisible()
    answer_next_dialog(qtbot, "Save")
    window.go_to("people")
    assert window.current_page() is window.page("people")
    assert page.editor.desk.get(event_id_titled(page.editor.desk, CONFERENCE))["venue"] == "Palace of Independence"


def test_switching_rows_with_unsaved_changes_asks_first(window, qtbot):
    page = window.page("events")
    _select(page, CONFERENCE)
    page.editor.form.editors["city"].setText("Нур-Султан")
    answer_next_dialog(qtbot, "Discard")
    page.table.selectRow(0)
    assert page.editor.record_id == page.model.ids[0]
    assert page.editor.desk.get(event_id_titled(page.editor.desk, CONFERENCE))["city"] == "Astana"


def test_new_event_and_delete_with_the_keyboard(window, qtbot):
    page = window.page("events")
    press(page.table, "Ctrl+N")
    assert page.editor.record_id is None
    form = page.editor.form
    form.editors["type"].set_value("webinar")
    type_text(form.editors["title"], "Webinar on whistle-blowing")
    press(form.editors["title"], "Ctrl+S")
    assert "Webinar on whistle-blowing" in _titles(page)
    assert page.editor.record_id is not None
    answered = answer_next_dialog(qtbot, "Delete")
    press(page.table, "Delete")
    assert answered
    assert "Webinar on whistle-blowing" not in _titles(page)


def test_participants_actions_attachments_and_nested_meetings(window, qtbot, tmp_path):
    page = window.page("events")
    desk = page.editor.desk
    _select(page, CONFERENCE)
    editor = page.editor
    assert editor.nested.table.count() == 13  # the twelve bilateral meetings and the IACA training
    added_person = desk.put("person", {"full_name": "Иван Петров"})
    desk.put("participation", {"event_id": editor.record_id, "person_id": added_person})
    editor.load_related()
    names = [editor.participants.table.item(row, 0).text() for row in range(editor.participants.table.rowCount())]
    assert "Иван Петров" in names
    row = names.index("Иван Петров")
    editor.participants.table.item(row, 3).setCheckState(Qt.CheckState.Unchecked)
    participation = next(p for p in desk.list("participation") if p["person_id"] == added_person)
    assert participation["attended"] is False
    agenda = tmp_path / "agenda.txt"
    agenda.write_text("Agenda", encoding="utf-8")
    editor.attach_files([agenda])  # read and stored off the GUI thread
    qtbot.waitUntil(lambda: editor.files.table.count() == 1, timeout=10_000)
    assert "agenda.txt" in editor.files.table.item(0).text()


def test_quick_meeting_from_anywhere_with_ctrl_m(window, qtbot):
    window.go_to("people")

    def fill(dialog):
        form = dialog.form
        assert form.editors["parties"].get_value() == ["KZ"]  # this delegation's own country
        form.editors["parties"].boxes["TJ"].click()
        form.editors["thematic_areas"].boxes["asset_recovery"].click()
        form.editors["outcomes"].set_value("Agreed to exchange contact points.")
        dialog.actions.set_value("Send the list of contact points\nDraft a memorandum")

    answered = answer_next_dialog(qtbot, "Save", fill)
    press(window.page("people").table, "Ctrl+M")
    dialog = answered[0]
    desk = window.desk
    meeting = desk.get(dialog.record_id)
    assert meeting["type"] == "bilateral_meeting"
    assert meeting["title"] == "Bilateral meeting: Kazakhstan – Tajikistan"
    assert meeting["parties"] == ["KZ", "TJ"]
    assert meeting["status"] == "held"
    assert desk.get(meeting["parent_id"])["type"] == "conference"
    actions = [a["description"] for a in desk.list("action") if a["event_id"] == dialog.record_id]
    assert sorted(actions) == ["Draft a memorandum", "Send the list of contact points"]
    window.go_to("events")
    assert meeting["title"] in _titles(window.page("events"))


def test_quick_meeting_refused_keeps_what_was_typed(window, qtbot):
    from desktop_app.ui.dialogs.quick_meeting import QuickMeetingDialog

    dialog = QuickMeetingDialog(window.desk, window.reader)
    qtbot.addWidget(dialog)
    dialog.form.editors["parties"].set_value([])
    dialog.form.editors["title"].set_value("Meeting with nobody")
    dialog.actions.set_value("Follow up")
    dialog.accept()
    assert dialog.result() == 0
    assert dialog.form.error_text("parties")
    assert dialog.form.editors["title"].text() == "Meeting with nobody"
    assert not [e for e in window.desk.list("event") if e["title"] == "Meeting with nobody"]


def test_events_model_keeps_the_qt_model_contract(qtmodeltester, window):
    model = events_model(window.reader, EventFilter())
    assert model.rowCount() == 29
    qtmodeltester.check(model)
    model.sort(1, Qt.SortOrder.AscendingOrder)
    titles = [model.data(model.index(row, 1)) for row in range(model.rowCount())]
    assert titles == sorted(titles, key=str.casefold)


def test_the_history_tab_shows_who_changed_what_and_when(window, qtbot):
    import getpass

    page = window.page("events")
    _select(page, CONFERENCE)
    city = page.editor.form.editors["city"]
    city.clear()
    type_text(city, "Астана")
    press(city, "Ctrl+S")
    history = page.editor.history
    page.editor.tabs.setCurrentWidget(history)
    rows = [[history.item(row, column).text() for column in range(4)] for row in range(history.rowCount())]
    assert rows[0][1:] == ["City", "Астана", f"{window.desk.identity['device_name']} ({getpass.getuser()})"]
    assert history.horizontalHeaderItem(0).text().startswith("When (UTC")  # local times, the zone named
    assert len(rows) > 1 and rows[-1][1] == "Owner"  # the record's first line: whose it is
    i18n.set_language("ru")
    try:
        assert page.editor.tabs.tabText(page.editor.tabs.indexOf(history)) == "История"
        assert history.item(0, 1).text() == "Город"
    finally:
        i18n.set_language("en")


def test_the_role_is_written_once_chosen_not_at_each_arrow_key(window, qtbot):
    page = window.page("events")
    desk = page.editor.desk
    _select(page, CONFERENCE)
    table = page.editor.participants.table
    combo = table.cellWidget(0, 2)
    participation = table.item(0, 0).data(Qt.ItemDataRole.UserRole)
    assert table.columnWidth(2) >= combo.sizeHint().width()  # the longest role is shown whole
    written = desk.get(participation)["role"]
    changes = len(window.reader.changes_since(window.reader.version()).ids)
    version = window.reader.version()
    window.activateWindow()
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # browsing the roles writes nothing
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.get_value() != written
    assert desk.get(participation)["role"] == written and window.reader.version() == version
    qtbot.keyClick(combo, Qt.Key.Key_Return)  # Enter chooses
    assert desk.get(participation)["role"] == combo.get_value()
    assert len(window.reader.changes_since(version).ids) == changes + 1
    qtbot.keyClick(combo, Qt.Key.Key_Up)
    chosen = combo.get_value()
    table.setFocus()  # leaving the drop-down chooses too
    assert desk.get(participation)["role"] == chosen


def test_save_names_every_refused_field_at_once_and_ties_each_to_its_field(window, qtbot):
    page = window.page("events")
    page.new_record()
    editor = page.editor
    form = editor.form
    count = page.model.rowCount()
    form.editors["start_date"].set_value("2025-03-10")
    form.editors["end_date"].set_value("2025-03-01")  # before the start, and the title left empty
    form.editors["participants_total"].set_value(4)
    form.editors["participants_women"].set_value(3)
    form.editors["participants_men"].set_value(3)
    window.activateWindow()
    assert editor.save() is False
    assert page.model.rowCount() == count  # nothing written
    refused = {name for name in form.errors if form.error_text(name)}
    assert refused == {"title", "end_date", "participants_total"}
    for name in refused:  # a screen reader reads the message with the field
        assert form.editors[name].accessibleDescription() == form.error_text(name)
    assert form.summary.text() == "Check these fields: Title, End date, Participants"
    assert form.editors["title"].hasFocus() or QApplication.focusWidget() is form.editors["title"]
    type_text(form.editors["title"], "Regional workshop")
    assert form.editors["title"].accessibleDescription() == ""
