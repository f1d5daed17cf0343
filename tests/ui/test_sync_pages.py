"""Sync and Conflicts screens: a bundle dropped on the window is previewed, applied, and its conflict settled."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from desktop_app.domain.desk import Desk
from desktop_app.sync import api
from tests.ui.conftest import answer_next_dialog, event_id_titled

CONFERENCE = "First Annual Conference of the Regional Platform"


def _drop(window, paths) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    enter = QDragEnterEvent(
        window.rect().center(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(
        QPointF(window.rect().center()),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)
    return True


def test_a_dropped_bundle_is_previewed_applied_and_its_conflict_resolved(window, qtbot, tmp_path):
    mine = window.desk
    secretariat = Desk.create(tmp_path / "secretariat.db", "UNODC Vienna", "secretariat")
    try:
        api.import_files(
            secretariat, api.export_bundle(mine, tmp_path / "first.pdsync", full=True).paths, trust=[mine.fingerprint]
        )
        conference = event_id_titled(mine, CONFERENCE)
        mine.put("event", {"id": conference, "venue": "Palace of Independence"})
        secretariat.put("event", {"id": conference, "venue": "Hilton Astana"})  # later: wins
        secretariat.put(
            "event", {"type": "webinar", "title": "Webinar from the secretariat", "start_date": "2025-02-02"}
        )
        bundle = api.export_bundle(secretariat, tmp_path / "from-secretariat.pdsync").paths
    finally:
        secretariat.close()

    assert not _drop(window, [tmp_path / "notes.txt"])
    contacts = answer_next_dialog(qtbot, "The fingerprints match: trust it")  # SPEC §3: a first contact
    assert _drop(window, bundle)
    assert window.current_page() is window.page("sync")
    qtbot.waitUntil(lambda: bool(contacts), timeout=10_000)
    shown = " ".join(label.text() for label in contacts[0].findChildren(type(window.installation_label)))
    assert "UNODC Vienna" in shown and secretariat.fingerprint.split()[0] in shown
    previews = answer_next_dialog(qtbot, "Apply")
    qtbot.waitUntil(lambda: bool(previews), timeout=10_000)
    preview = previews[0]
    texts = " ".join(label.text() for label in preview.findChildren(type(window.installation_label)))
    assert "First bundle from UNODC Vienna" in texts and "1 conflict" in texts
    # who sent it, from the file's signed header, and no "Dry run" jargon
    assert f"From UNODC Vienna (Secretariat) · key fingerprint {secretariat.fingerprint}" in texts
    assert "Dry run" not in texts and "Nothing is changed until you choose Apply." in texts
    # the records it would add or change, by name, and what changes
    records = preview.records
    rows = [[records.item(row, column).text() for column in range(3)] for row in range(records.rowCount())]
    assert rows == [
        ["Event", "Webinar from the secretariat", "New record"],
        ["Event", CONFERENCE, "Venue: Palace of Independence → Hilton Astana"],
    ]
    sync = window.page("sync")
    qtbot.waitUntil(lambda: not sync.busy() and "new record" in sync.import_result.text(), timeout=10_000)
    assert mine.get(conference)["venue"] == "Hilton Astana"
    assert sync.history.rowCount() == 2  # the export made above, and this import
    window.go_to("events")  # a hidden page re-reads what changed when it is shown
    events = window.page("events")
    assert any(events.model.row(r)["title"] == "Webinar from the secretariat" for r in range(events.model.rowCount()))
    assert "Last received: never" not in window.exchange_label.text()
    conflicts_row = window.navigation.findItems("Conflicts (1)", Qt.MatchFlag.MatchExactly)
    assert conflicts_row

    window.go_to("conflicts")
    page = window.page("conflicts")
    assert page.table.rowCount() == 1
    assert page.sides["winner"][1].text() == "Hilton Astana"
    assert page.sides["loser"][1].text() == "Palace of Independence"
    assert "kz-laptop (this computer)" in page.sides["loser"][2].text()
    # by keyboard alone: from the chosen conflict, Tab reaches Keep then Restore, and Space presses it
    window.activateWindow()
    page.table.setFocus()
    qtbot.waitUntil(page.table.hasFocus)
    qtbot.keyClick(page.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.keep_button
    qtbot.keyClick(page.keep_button, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.restore_button
    qtbot.keyClick(page.restore_button, Qt.Key.Key_Space)
    assert mine.get(conference)["venue"] == "Palace of Independence"
    assert page.table.rowCount() == 0
    assert window.navigation.findItems("Conflicts", Qt.MatchFlag.MatchExactly)


def test_a_preview_of_many_records_names_the_first_ones_and_counts_the_rest(window, qtbot, tmp_path):
    from desktop_app.sync.importing import PREVIEW_RECORDS
    from desktop_app.ui.pages.sync import ImportPreview, previewed_import

    window.desk.put_many(
        ("event", {"type": "webinar", "title": f"Webinar {n}", "start_date": "2025-03-01"}) for n in range(100)
    )
    empty = Desk.create(tmp_path / "new.db", "UNODC Vienna", "secretariat")
    try:
        bundle = api.export_bundle(window.desk, tmp_path / "everything.pdsync", full=True).paths
        previewed = previewed_import(empty, bundle, None, (window.desk.fingerprint,))
        assert empty.list("event") == []  # only a preview
    finally:
        empty.close()
    preview = ImportPreview(previewed)
    qtbot.addWidget(preview)
    total = previewed["summary"]["new"]
    assert preview.records.rowCount() == PREVIEW_RECORDS < total
    assert preview.records.item(0, 0).text() == "Event"  # events first, as they come in the bundle's kinds
    texts = " ".join(label.text() for label in preview.findChildren(type(window.installation_label)))
    assert f"{total - PREVIEW_RECORDS} more records are not listed; the counts above include them." in texts


def test_export_writes_a_bundle_and_offers_to_send_it(window, qtbot, tmp_path):
    window.go_to("sync")
    sync = window.page("sync")
    assert not sync.mail_button.isEnabled()
    sync.max_size.setValue(1)
    sync.export(tmp_path / "kz.pdsync")
    qtbot.waitUntil(lambda: not sync.busy() and sync.mail_button.isEnabled(), timeout=10_000)
    assert (tmp_path / "kz.pdsync").exists() or list(tmp_path.glob("kz.part-*.pdsync"))
    assert "changes written to" in sync.export_result.text()
    assert "Last sent: never" not in window.exchange_label.text()
