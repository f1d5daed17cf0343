"""People, follow-up actions, settings (language, backups), first start, and the program as launched."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from desktop_app import i18n
from desktop_app.domain.reading import overdue as is_overdue
from desktop_app.storage import database
from tests.ui.conftest import answer_next_dialog, event_id_titled, type_text


def test_people_search_editor_and_events_attended(window, qtbot):
    window.go_to("people")
    page = window.page("people")
    type_text(page.search, "рахимов")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.table.selectRow(0)
    editor = page.editor
    assert editor.form.editors["full_name"].text() == "Шерзод Абдуллоевич Рахимов"
    assert editor.attended.count() >= 1
    first_event = editor.attended.item(0).data(Qt.ItemDataRole.UserRole)
    editor.attended.itemActivated.emit(editor.attended.item(0))
    assert window.current_page() is window.page("events")
    assert window.page("events").editor.record_id == first_event


def test_actions_overdue_marked_and_status_changed_in_place(window):
    window.go_to("actions")
    page = window.page("actions")
    model = page.model
    rows = [model.row(row) for row in range(model.rowCount())]
    overdue = [row for row in rows if is_overdue(row)]
    assert overdue and "(overdue)" in model.data(model.index(rows.index(overdue[0]), 0))
    status_column = len(model.columns) - 1
    index = model.index(rows.index(overdue[0]), status_column)
    assert model.setData(index, "done")
    assert window.desk.get(overdue[0]["id"])["status"] == "done"
    assert "(overdue)" not in model.data(model.index(rows.index(overdue[0]), 0))
    page.status_filter.set_value("done")
    assert [model.row(row)["id"] for row in range(model.rowCount())] == [overdue[0]["id"]]


def test_language_switch_retranslates_open_screens(window):
    window.page("events").select_id(event_id_titled(window.desk, "First Annual Conference of the Regional Platform"))
    window.go_to("settings")
    settings = window.page("settings")
    assert "Kazakhstan" in window.installation_label.text()
    settings.language.setCurrentIndex(settings.language.findData("ru"))
    settings.language.activated.emit(settings.language.currentIndex())
    assert i18n.current_language() == "ru" and i18n.saved_language() == "ru"
    assert "Казахстан" in window.installation_label.text()
    window.go_to("events")  # the pages not shown during the switch are re-translated when shown
    events = window.page("events")
    assert not events.editor.dirty  # relabelled choices are not edits
    assert events.editor.form.editors["country"].currentText() == "Казахстан"
    countries = {events.model.data(events.model.index(row, 4)) for row in range(events.model.rowCount())}
    assert "Казахстан" in countries
    assert events.country_filter.itemText(1) == "Казахстан"
    window.go_to("actions")
    actions = window.page("actions")
    assert "2025" in actions.model.data(actions.model.index(0, 0)) and "г." in actions.model.data(
        actions.model.index(0, 0)
    )


def test_restore_a_backup_after_confirmation(window, qtbot):
    desk = window.desk
    database.backup(desk.engine, desk.path, "manual")
    desk.put("event", {"type": "webinar", "title": "Added after the backup", "start_date": "2025-01-10"})
    window.page("events").apply_filters()
    window.go_to("settings")
    settings = window.page("settings")
    assert settings.backups.count() == 1
    settings.backups.setCurrentRow(0)
    answered = answer_next_dialog(qtbot, "Restore")
    with qtbot.waitSignal(settings.restored, timeout=10_000):  # restored off the GUI thread
        settings.restore_button.click()
    assert answered
    assert not [e for e in desk.list("event") if e["title"] == "Added after the backup"]
    window.go_to("events")
    titles = [window.page("events").model.row(r)["title"] for r in range(window.page("events").model.rowCount())]
    assert "Added after the backup" not in titles
    settings.refresh()
    assert settings.backups.count() == 2  # the state before the restore was kept too
    # each backup reads as when (local time, with the zone) and why, not as a file name
    labels = [settings.backups.item(row).text() for row in range(2)]
    assert labels[0].endswith(" — before a restore") and labels[1].endswith(" — made by hand"), labels
    assert all("(UTC" in label and ".db" not in label for label in labels), labels
    i18n.set_language("ru")
    window.go_to("settings")
    assert settings.backups.item(0).text().endswith(" — перед восстановлением")
    event_id_titled(desk, "First Annual Conference of the Regional Platform")


def test_first_start_creates_the_database_with_the_demo_record(qtbot, tmp_path):
    from desktop_app.ui.dialogs.first_start import FirstStartDialog

    path = tmp_path / "new.db"
    dialog = FirstStartDialog(path)
    qtbot.addWidget(dialog)
    dialog.role.set_value("delegation")
    dialog.accept()
    assert not dialog.errors["device_name"].isHidden()
    type_text(dialog.device_name, "Ноутбук делегации")
    dialog.accept()
    assert not dialog.errors["country"].isHidden()
    assert dialog.device_name.text() == "Ноутбук делегации"
    dialog.country.set_value("KG")
    dialog.demo.setChecked(True)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.desk.identity["country"] == "KG"
    assert len(dialog.desk.list("event")) == 29
    dialog.desk.close()


def _launch(db, *extra):
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", "--db", str(db), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )


def test_smoke_start_exits_0_and_a_second_copy_is_refused(demo_db):
    result = _launch(demo_db, "--smoke")
    assert result.returncode == 0, result.stderr
    from desktop_app.ui.app import lock_for

    lock = lock_for(demo_db)
    try:
        second = _launch(demo_db, "--smoke")
    finally:
        lock.unlock()
    assert second.returncode == 1
    assert "already open" in second.stderr


def test_smoke_on_a_database_from_a_newer_program_fails_with_one_line(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 100)
    result = _launch(bad, "--smoke")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


def test_every_screen_fits_1280_by_800_in_english_and_kazakh(window):
    """Long translations must not push the window wider than a laptop screen."""
    for language in ("en", "kk"):
        i18n.set_language(language)
        for row in range(window.navigation.count()):
            window.navigation.setCurrentRow(row)
            assert window.minimumSizeHint().width() <= 1280, window.navigation.item(row).text()


def test_an_unexpected_error_is_a_dialog_naming_the_log_file(qtbot):
    from desktop_app.ui.app import ErrorReporter

    reporter = ErrorReporter(smoke=False)
    shown = answer_next_dialog(qtbot, "OK")
    try:
        raise RuntimeError("disk on fire")
    except RuntimeError as error:
        reporter(type(error), error, error.__traceback__)
    assert reporter.failed
    assert "Something went wrong: disk on fire" in shown[0] and "platform-desk.log" in shown[0]
    assert "\\n" not in shown[0]  # two paragraphs, not a literal “\n\n”
    assert "Traceback" not in shown[0]


def test_an_empty_database_says_what_to_do_and_offers_nothing_to_act_on(qtbot, tmp_path):
    from desktop_app.domain.desk import Desk
    from desktop_app.ui import operations
    from desktop_app.ui.main_window import MainWindow

    desk = Desk.create(tmp_path / "empty.db", "kz-laptop", "delegation", "KZ")
    window = MainWindow(desk)
    qtbot.addWidget(window)
    window.show()
    try:
        events = window.page("events")
        assert "Nothing recorded here yet" in events.count_label.text() and "Ctrl+N" in events.count_label.text()
        assert not events.editor.delete_button.isEnabled()
        type_text(events.search, "Astana")
        events.apply_filters()
        assert events.count_label.text() == "No rows match the search or the filters."
        window.go_to("actions")
        assert window.page("actions").count_label.text().startswith("No follow-up actions yet.")
        window.go_to("reports")
        reports = window.page("reports")
        qtbot.waitUntil(lambda: reports.report is not None and not reports.busy(), timeout=20_000)
        assert not any(button.isEnabled() for button in reports.export_buttons.values())
        assert "nothing to export" in reports.status.text()
        i18n.set_language("ru")
        window.go_to("people")
        assert "Пока ничего не записано" in window.page("people").count_label.text()
    finally:
        i18n.set_language("en")
        operations.wait_for_all()
        window.close()
        desk.close()


@pytest.mark.parametrize("language", ["en", "ru", "ky"])
def test_the_first_start_check_boxes_line_up_in_the_field_column(qtbot, tmp_path, language):
    from desktop_app.ui.dialogs.first_start import FirstStartDialog

    i18n.set_language(language)
    try:
        dialog = FirstStartDialog(tmp_path / "new.db")
        qtbot.addWidget(dialog)
        dialog.show()
        column = dialog.device_name.mapTo(dialog, dialog.device_name.rect().topLeft()).x()
        for box in (dialog.demo, dialog.encrypt, dialog.encrypt_note):
            assert box.mapTo(dialog, box.rect().topLeft()).x() == column, box.text()
            assert box.mapTo(dialog, box.rect().topRight()).x() <= dialog.width()
    finally:
        i18n.set_language("en")
