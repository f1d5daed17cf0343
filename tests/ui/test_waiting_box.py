"""The Sync page's “Waiting changes”, listed and purged by keyboard; a clash on the Conflicts page, kept only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_app import i18n
from desktop_app.sync import api, waiting
from tests.sync.conftest import Office
from tests.sync.crafted import change, crafted
from tests.ui.conftest import answer_next_dialog, event_id_titled

CONFERENCE = "First Annual Conference of the Regional Platform"


def _waiting_from(sender: Office, desk, folder, count: int) -> None:
    lines = [
        change(sender, 1000 + i, f"99999999-0000-0000-0000-{i:012d}", "description", "Текст", kind="action")
        for i in range(count)
    ]
    api.import_files(desk, [crafted(sender, folder / f"{sender.name}-waits.pdsync", lines)])


def test_waiting_changes_are_listed_and_purged_by_keyboard(window, qtbot, tmp_path):
    desk = window.desk
    unodc = Office(tmp_path, "unodc", "secretariat")
    try:
        api.import_files(desk, unodc.send().paths, trust=[unodc.desk.fingerprint])
        _waiting_from(unodc, desk, tmp_path, 3)
    finally:
        unodc.desk.close()
    window.go_to("sync")
    box = window.page("sync").waiting
    window.page("sync").grab().save(str(tmp_path.parent / "waiting-box.png"))
    assert box.table.rowCount() == 3 and "3 changes received wait" in box.summary.text()
    assert box.table.item(0, 1).text() == "unodc" and box.table.item(0, 3).text() == "Description"
    assert box.purge_all_button.accessibleName() and box.table.accessibleName() == "Waiting changes"
    box.table.setFocus()
    QTest.keyClick(box.table, Qt.Key.Key_Down)  # a sender is chosen with the keyboard
    assert box.purge_sender_button.isEnabled()
    box.purge_sender_button.setFocus()
    answered = answer_next_dialog(qtbot, "Purge")
    QTest.keyClick(box.purge_sender_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: bool(answered), timeout=10_000)
    assert box.table.rowCount() == 0 and waiting.held_changes(desk) == [] and box.table.isHidden()
    assert not box.purge_all_button.isEnabled()


def test_waiting_changes_speak_the_users_language(window, tmp_path):
    window.go_to("sync")
    box = window.page("sync").waiting
    i18n.set_language("ru")
    assert box.title() == "Ожидающие изменения" and box.purge_all_button.text().replace("&", "") == "Очистить все"
    QApplication.processEvents()
    window.page("sync").grab().save(str(tmp_path.parent / "waiting-box-ru.png"))
    i18n.set_language("en")
    assert box.title() == "Waiting changes"


def test_a_clash_is_shown_with_its_rule_and_can_only_be_kept(window, qtbot, tmp_path):
    desk = window.desk
    conference = event_id_titled(desk, CONFERENCE)
    total = desk.get(conference)["participants_total"] or 0
    unodc = Office(tmp_path, "unodc", "secretariat")
    try:
        api.import_files(desk, unodc.send().paths, trust=[unodc.desk.fingerprint])
        clash = change(unodc, 1, conference, "participants_women", total + 1)
        summary = api.import_files(desk, [crafted(unodc, tmp_path / "clash.pdsync", [clash])])
    finally:
        unodc.desk.close()
    assert summary["conflicts"] == 2  # the women's count replaced without being seen, and the clash it makes
    window.go_to("conflicts")
    page = window.page("conflicts")
    rule = "Women and men together exceed the total"
    [row] = [r for r in range(page.table.rowCount()) if page.table.item(r, 1).text() == rule]
    page.table.selectRow(row)
    QApplication.processEvents()
    page.grab().save(str(tmp_path.parent / "clash.png"))
    assert page.sides["winner"][1].text() == f"Women: {total + 1}"
    assert page.keep_button.isEnabled() and not page.restore_button.isEnabled()
    page.keep_button.click()
    assert page.table.rowCount() == 1 and page.table.item(0, 1).text() != rule
    page.table.selectRow(0)
    assert page.restore_button.isEnabled()  # control: an ordinary conflict can be restored
