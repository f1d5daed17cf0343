"""The reports page as a user sees it: figures for the chosen period, the events behind a figure, exports."""

from __future__ import annotations

import json

import pytest

from desktop_app import i18n
from desktop_app.ui.pages.reports import ReportsPage
from tests.report_fixture import build_small_record


@pytest.fixture
def page(qtbot, desk):
    build_small_record(desk)
    widget = ReportsPage(desk)
    qtbot.addWidget(widget)
    widget.year.setValue(2024)
    widget.resize(1100, 800)
    widget.show()  # as on screen: a hidden page computes its report only once shown
    widget.qtbot = qtbot
    settle(widget)
    return widget


def settle(page):
    """Wait for the report being computed off the GUI thread (after the page is shown or a filter changed)."""
    page.qtbot.waitUntil(lambda: not page.busy() and page.report is not None, timeout=20_000)


def button_for(page, label):
    return next(b for b in page.figure_buttons if b.text().endswith(f"  {label}"))


def listed_titles(page):
    model = page.events_table.model()
    return [model.index(row, 2).data() for row in range(model.rowCount())]


def test_figures_follow_the_chosen_year_and_country(page):
    # Counted as of today, so the webinar planned for December 2024 has passed and counts too.
    assert button_for(page, "Participants").text().startswith("116 ")
    assert "held 4 events. 116 participants took part in all." in page.summary.text()
    page.country.setCurrentIndex(page.country.findData("KG"))
    settle(page)
    assert button_for(page, "Participants").text().startswith("90 ")
    page.year.setValue(2023)
    settle(page)
    assert button_for(page, "Events").text().startswith("0 ")
    page.country.setCurrentIndex(0)
    settle(page)
    assert button_for(page, "Events").text().startswith("1 ")


def test_clicking_a_figure_lists_the_events_behind_it(page, qtbot):
    from PySide6.QtCore import Qt

    qtbot.mouseClick(button_for(page, "Bilateral meetings"), Qt.MouseButton.LeftButton)
    assert listed_titles(page) == ["Bilateral UZ-TJ"]
    qtbot.mouseClick(button_for(page, "Events: Regional training"), Qt.MouseButton.LeftButton)
    assert listed_titles(page) == ["Региональный тренинг в Алматы", "Past planned training"]
    assert "Regional training" in page.events_title.text()
    assert [b.text() for b in page.figure_buttons if b.isChecked()] == ["2  Events: Regional training"]


def test_limiting_the_dates_narrows_the_figures(page):
    from PySide6.QtCore import QDate

    page.limit_dates.setChecked(True)
    page.start.setDate(QDate(2024, 4, 1))
    settle(page)
    assert button_for(page, "Participants").text().startswith("66 ")


def test_exports_write_files_and_say_so(page, tmp_path):
    assert page.export("json", tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["participants_total"] == 116
    assert page.export("ics", tmp_path / "e.ics") and (tmp_path / "e.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert page.export("pdf", tmp_path / "r.pdf") and (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert str(tmp_path / "r.pdf") in page.status.text()
    assert not page.export("xlsx", tmp_path / "missing-folder" / "r.xlsx")
    assert "missing-folder" in page.status.text()


def test_an_export_in_the_background_keeps_the_page_responsive(page, qtbot, tmp_path):
    from openpyxl import load_workbook

    with qtbot.waitSignal(page.exported, timeout=20000) as finished:
        page.export("pdf", tmp_path / "r.pdf", in_background=True)
        assert not page.export_buttons["pdf"].isEnabled() and "r.pdf" in page.status.text()
    assert finished.args == [True] and (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert page.export_buttons["pdf"].isEnabled()
    with qtbot.waitSignal(page.exported, timeout=20000):
        page.export("xlsx", tmp_path / "r.xlsx", in_background=True)
    assert load_workbook(tmp_path / "r.xlsx").sheetnames[0] == "Summary"


def test_the_page_follows_a_language_switch(page):
    i18n.set_language("ru")
    settle(page)
    assert page.country.itemText(page.country.findData("KZ")) == "Казахстан"
    assert "Казахстан" in [label for label, _value in page.chart_views[0].chart.bars]
    i18n.set_language("en")
    assert page.country.itemText(page.country.findData("KZ")) == "Kazakhstan"


@pytest.mark.parametrize("language", ["kk", "ky", "uz", "tg"])
def test_all_countries_is_shown_whole_in_every_language(page, language):
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    i18n.set_language(language)
    try:
        settle(page)
        page.country.setCurrentIndex(0)
        option = QStyleOptionComboBox()
        page.country.initStyleOption(option)
        field = page.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, page.country
        )
        text = page.country.currentText()
        assert text == i18n._("All countries") and text != "All countries"
        assert page.country.fontMetrics().horizontalAdvance(text) <= field.width(), (text, field.width())
    finally:
        i18n.set_language("en")


def test_sheets_are_printed_for_the_selected_event(page, tmp_path):
    from pypdf import PdfReader

    sheet = page.export_buttons["certificates"]
    assert not sheet.isEnabled(), "no event is selected yet"
    page.show_events("events_by_type", "regional_training")
    page.events_table.selectRow(0)
    assert sheet.isEnabled()
    assert page.export("certificates", tmp_path / "c.pdf")
    assert len(PdfReader(tmp_path / "c.pdf").pages) == 2
    assert page.export("attendance", tmp_path / "a.pdf")


def test_a_cancelled_export_leaves_no_file(page, qtbot, tmp_path, monkeypatch):
    import threading

    from PySide6.QtWidgets import QPushButton

    from desktop_app.reports import export

    writing, resume = threading.Event(), threading.Event()
    write_report = export.write_report

    def slow_write(report, name, path, **options):
        write_report(report, name, path, **options)
        writing.set()
        resume.wait(10)

    monkeypatch.setattr(export, "write_report", slow_write)
    out = tmp_path / "exports"
    out.mkdir()
    with qtbot.waitSignal(page.exported, timeout=20000) as finished:
        page.export("json", out / "r.json", in_background=True)
        operation = page.running
        assert writing.wait(10)
        operation.show_dialog()
        next(b for b in operation.dialog.findChildren(QPushButton) if b.text() == "Cancel").click()
        resume.set()
    assert finished.args == [False] and operation.outcome == "cancelled"
    assert list(out.iterdir()) == [] and "cancelled" in page.status.text()
    assert page.export_buttons["json"].isEnabled()
