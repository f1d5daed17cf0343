"""SPEC §2: the editor edits a record's text in other languages beside its fields, and every screen in a
language shows that text."""

from __future__ import annotations

from desktop_app import i18n
from desktop_app.ui.qt_i18n import switch_language
from tests.ui.conftest import event_id_titled, press, type_text

CONFERENCE = "First Annual Conference of the Regional Platform"


def _titles(page) -> list[str]:
    model = page.model
    return [model.data(model.index(row, 1)) for row in range(model.rowCount())]


def test_translation_tab_saves_a_variant_that_the_table_shows_in_its_language(window, qtbot, tmp_path):
    page = window.page("events")
    editor = page.editor
    event = event_id_titled(editor.desk, CONFERENCE)
    page.select_id(event)
    editor.tabs.setCurrentIndex(editor.tabs.indexOf(editor.translations.page))
    editor.translations.show_language("ky")
    field = editor.translations.forms["ky"].editors["title@ky"]
    type_text(field, "Аймактык платформанын биринчи жылдык конференциясы")
    assert editor.dirty and editor.save_button.isEnabled()
    editor.grab().save(str(tmp_path / "translations-tab.png"))
    press(field, "Ctrl+S")
    assert editor.desk.get(event)["title@ky"] == "Аймактык платформанын биринчи жылдык конференциясы"
    assert editor.desk.get(event)["title"] == CONFERENCE, "the field itself is untouched"
    switch_language("ky")
    try:
        page.apply_filters()
        assert "Аймактык платформанын биринчи жылдык конференциясы" in _titles(page)
        assert CONFERENCE not in _titles(page)
        # Russian text from the demo record is shown on a Russian screen.
        switch_language("ru")
        page.apply_filters()
        assert "Первая ежегодная конференция Региональной платформы" in _titles(page)
    finally:
        switch_language("en")
    assert i18n.current_language() == "en"


def test_a_refused_variant_is_shown_beside_it_and_kept(window, qtbot):
    page = window.page("events")
    editor = page.editor
    page.select_id(event_id_titled(editor.desk, CONFERENCE))
    field = editor.translations.forms["tg"].editors["title@tg"]
    field.setText("т" * 301)
    assert not editor.save()
    assert editor.tabs.currentIndex() == editor.tabs.indexOf(editor.translations.page)
    assert editor.translations.language.currentData() == "tg"
    assert "300" in editor.translations.forms["tg"].error_text("title@tg")
    assert field.text() == "т" * 301
