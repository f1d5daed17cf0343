"""SPEC §2: the record dialog (a follow-up action, a new person from an event) edits the record's text in other
languages on the same Translations tab as the record editors."""

from __future__ import annotations

from desktop_app.ui.dialogs.record import RecordDialog
from desktop_app.ui.widgets.translations import TranslationsForm
from tests.ui.conftest import answer_next_dialog, event_id_titled, type_text

CONFERENCE = "First Annual Conference of the Regional Platform"


def _open_translations(dialog: RecordDialog, language: str) -> TranslationsForm:
    assert isinstance(dialog.translations, TranslationsForm), "the dialog has the editors' Translations tab"
    dialog.tabs.setCurrentWidget(dialog.translations.page)
    dialog.translations.show_language(language)
    return dialog.translations


def test_a_follow_up_action_gets_its_text_in_another_language(window, qtbot):
    page = window.page("events")
    editor = page.editor
    desk = editor.desk
    page.select_id(event_id_titled(desk, CONFERENCE))
    table = editor.actions.table
    assert table.rowCount() > 0, "the demo conference has follow-up actions"
    table.setCurrentCell(0, 0)
    action_id = editor._selected(table)
    before = desk.get(action_id)
    seen = {}

    def translate(dialog):
        translations = _open_translations(dialog, "ky")
        seen["tab"] = dialog.tabs.tabText(dialog.tabs.currentIndex())
        seen["ru"] = translations.forms["ru"].editors["description@ru"].get_value()
        type_text(translations.forms["ky"].editors["description@ky"], "Улуттук иш планын даярдоо")

    answered = answer_next_dialog(qtbot, "Save", fill=translate)
    editor.edit_action_button.click()
    assert answered, "the dialog was answered"
    assert seen["tab"] == "Translations"
    assert seen["ru"] == before["description@ru"], "the Russian text already recorded is shown"
    after = desk.get(action_id)
    assert after["description@ky"] == "Улуттук иш планын даярдоо"
    assert after["description"] == before["description"], "the field itself is untouched"
    assert after["description@ru"] == before["description@ru"]


def test_a_new_person_keeps_a_name_in_cyrillic_and_a_refused_variant_stays_beside_its_field(window, qtbot):
    page = window.page("events")
    editor = page.editor
    desk = editor.desk
    event_id = event_id_titled(desk, CONFERENCE)
    page.select_id(event_id)
    refused = {}

    def fill(dialog):
        dialog.form.editors["full_name"].set_value("Aigerim Saparova")
        translations = _open_translations(dialog, "ru")
        type_text(translations.forms["ru"].editors["full_name@ru"], "Айгерим Сапарова")
        translations.forms["kk"].editors["full_name@kk"].set_value("ө" * 301)
        dialog.tabs.setCurrentWidget(dialog.form)
        dialog.accept()  # refused: the dialog stays, on the variant's tab and language
        refused.update(
            saved=dialog.record_id,
            tab=dialog.tabs.currentWidget() is translations.page,
            language=translations.language.currentData(),
            message=translations.forms["kk"].error_text("full_name@kk"),
            kept=translations.forms["ru"].editors["full_name@ru"].get_value(),
        )
        translations.forms["kk"].editors["full_name@kk"].set_value("")
        translations.forms["kk"].editors["position@kk"].set_value("Бас маман")

    answered = answer_next_dialog(qtbot, "Save", fill=fill)
    editor.new_person_button.click()
    assert answered
    assert refused["saved"] is None and refused["tab"] and refused["language"] == "kk"
    assert "300" in refused["message"] and refused["kept"] == "Айгерим Сапарова"
    created = [p for p in desk.list("person") if p["full_name"] == "Aigerim Saparova"]
    assert [(p["full_name@ru"], p["position@kk"]) for p in created] == [("Айгерим Сапарова", "Бас маман")]
    participants = [p for p in desk.list("participation") if p["event_id"] == event_id]
    assert created[0]["id"] in {p["person_id"] for p in participants}
