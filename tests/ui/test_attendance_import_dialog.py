"""The attendance import dialog: a file's columns are guessed, each row's fate is shown, bad rows block the import."""

from __future__ import annotations

import pytest

from desktop_app.ui.dialogs.attendance_import import AttendanceImportDialog


@pytest.fixture
def dialog(qtbot, desk):
    event_id = desk.put("event", {"type": "webinar", "title": "Webinar", "start_date": "2024-06-10", "status": "held"})
    desk.put("person", {"full_name": "Ержан Болатович Ахметов", "email": "e.akhmetov@gov.kz"})
    widget = AttendanceImportDialog(desk, event_id)
    qtbot.addWidget(widget)
    return widget


def column(dialog, index):
    return [dialog.table.item(row, index).text() for row in range(dialog.table.rowCount())]


def test_preview_then_import(dialog, desk, tmp_path, qtbot):
    path = tmp_path / "list.csv"
    path.write_text(
        "ФИО;Организация;E-mail\nYerzhan Akhmetov;Agency;\nНовый Участник;Минюст;new@gov.kg\n"
        "Новый Участник;;NEW@gov.kg\n",
        encoding="utf-8",
    )
    dialog.load(path)
    assert dialog.mapping_boxes["full_name"].currentText() == "ФИО"
    assert dialog.mapping_boxes["organization"].currentText() == "Организация"
    assert column(dialog, 3) == ["Matches a recorded person", "New person", "Listed again: counted once"]
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported):
        dialog.import_button.click()
    assert sorted(p["full_name"] for p in desk.list("person")) == ["Ержан Болатович Ахметов", "Новый Участник"]
    assert len(desk.list("participation")) == 2 and "2 attendances" in dialog.summary.text()


def test_bad_rows_are_shown_and_block_the_import(dialog, desk, tmp_path, qtbot):
    path = tmp_path / "bad.csv"
    path.write_text("Name,Email,Gender\nGood Person,good@example.org,F\nBad Person,broken,M\n", encoding="utf-8")
    dialog.load(path)
    assert column(dialog, 3)[1].startswith("Error") and "broken" in column(dialog, 3)[1]
    assert not dialog.import_button.isEnabled() and "1 row is wrong" in dialog.summary.text()
    dialog.mapping_boxes["email"].setCurrentIndex(0)  # the user says the file has no e-mail column
    assert dialog.import_button.isEnabled() and column(dialog, 3) == ["New person", "New person"]
    with qtbot.waitSignal(dialog.imported):
        dialog.run_import()
    assert sorted(p["full_name"] for p in desk.list("person")) == [
        "Bad Person",
        "Good Person",
        "Ержан Болатович Ахметов",
    ]


def test_an_import_cancelled_before_commit_leaves_the_database_as_it_was(dialog, desk, tmp_path, qtbot, monkeypatch):
    import threading

    from PySide6.QtWidgets import QPushButton

    from desktop_app.domain.changelog import ChangeWriter

    path = tmp_path / "list.csv"
    path.write_text("Name,Email\nNew One,one@example.org\nNew Two,two@example.org\n", encoding="utf-8")
    dialog.load(path)
    before = list(desk.dump())
    writing, resume = threading.Event(), threading.Event()
    flush = ChangeWriter.flush

    def slow_flush(writer):  # the import has written everything and waits just before its commit
        writing.set()
        resume.wait(10)
        flush(writer)

    monkeypatch.setattr(ChangeWriter, "flush", slow_flush)
    imported = []
    dialog.imported.connect(lambda: imported.append(True))
    operation = dialog.run_import()
    assert writing.wait(10)
    operation.show_dialog()  # the progress dialog, as after the delay
    assert "list.csv" in operation.dialog.labelText()
    next(b for b in operation.dialog.findChildren(QPushButton) if b.text() == "Cancel").click()
    resume.set()
    qtbot.waitUntil(lambda: operation.outcome is not None, timeout=10_000)
    assert operation.outcome == "cancelled" and not imported
    assert list(desk.dump()) == before
    assert "cancelled" in dialog.summary.text() and dialog.import_button.isEnabled()
