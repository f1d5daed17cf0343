"""What issue 12 asked of the report's figures and files: per-type figures behind the summary, what a
country report counts, one-table CSV, XLSX print setup, a calendar Outlook updates, and the member
states' own names in every language and output."""

from __future__ import annotations

import csv
import json
import re

import pytest

from desktop_app import i18n
from desktop_app.country_names import MEMBER_STATE_NAMES, MEMBER_STATES
from desktop_app.reports.data import Period, compute
from tests.report_fixture import TODAY, build_small_record

FIGURES = ("events", "participants_total", "participants_women", "participants_men", "international_experts")


@pytest.fixture
def small(desk):
    return desk, build_small_record(desk)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_member_states_have_their_own_names_in_every_language(language):
    i18n.set_language(language)
    assert {code: i18n.country_name(code) for code in MEMBER_STATES} == MEMBER_STATE_NAMES[language]
    assert i18n.country_name("FR") == i18n.babel_locale().territories["FR"], "other countries keep CLDR's names"


def test_russian_says_kyrgyzstan_everywhere(small, tmp_path):
    from openpyxl import load_workbook

    from desktop_app.reports.calendar import write_calendar
    from desktop_app.reports.export import write_csv, write_xlsx

    desk, ids = small
    desk.put("event", {"id": ids["Past planned training"], "city": "Бишкек"})
    i18n.set_language("ru")
    report = compute(desk, Period.of(2024), today=TODAY)
    write_csv(report, tmp_path / "r.csv")
    write_xlsx(report, tmp_path / "r.xlsx")
    write_calendar(desk, tmp_path / "r.ics")
    book = load_workbook(tmp_path / "r.xlsx")
    cells = " ".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value)
    for text in (
        report.figures["summary"] + cells,
        (tmp_path / "r.csv").read_text(encoding="utf-8-sig"),
        (tmp_path / "r.ics").read_text(encoding="utf-8"),
    ):
        assert "Кыргызстан" in text and "Киргизия" not in text


def test_json_has_per_type_figures_that_add_up_and_back_the_summary(demo_report):
    figures = demo_report.figures
    assert set(figures["by_type"]) >= {"regional_training", "bilateral_meeting", "conference", "webinar"}
    counted = {e["id"] for e in demo_report.events}
    nested = [e for e in demo_report.events if e["parent_id"] in counted]
    assert len(nested) == figures["events_within_others"] == 13  # the IACA training and twelve bilaterals
    for name in FIGURES:
        total = figures["events_total"] if name == "events" else figures[name]
        within = 0 if name == "events" else sum(e[name] or 0 for e in nested)  # counted once, with the conference
        assert sum(entry[name] for entry in figures["by_type"].values()) - within == total, name
    training = figures["by_type"]["regional_training"]
    assert (training["events"], training["international_experts"]) == (10, 30)
    assert training["participants_total"] > 900
    numbers = {int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", figures["summary"])}
    known = {
        figures[k]
        for k in (
            "year",
            "events_total",
            "participants_total",
            "participants_women",
            "participants_men",
            "bilateral_meetings",
            "unique_people",
            "attendances",
        )
    }
    known |= {v for entry in figures["by_type"].values() for v in entry.values()} | set(figures["actions"].values())
    known |= {figures["events_within_others"], figures["events_planned_past"]}
    known |= {
        training["participants_total"] // 100 * 100,
        sum(v for k, v in figures["actions"].items() if k != "overdue"),
    }
    assert numbers <= known, numbers - known
    assert "30 international experts" in figures["summary"] and "42" not in figures["summary"]


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    from desktop_app.domain.demo import load_public_record
    from desktop_app.domain.desk import Desk

    desk = Desk.create(tmp_path_factory.mktemp("demo") / "demo.db", "secretariat", "secretariat")
    try:
        load_public_record(desk)
        return compute(desk, Period.of(2024))
    finally:
        desk.close()


def test_a_country_report_says_what_its_participant_figure_counts(small):
    desk, _ids = small
    i18n.set_language("ru")
    summary = compute(desk, Period.of(2024, "KG"), today=TODAY).figures["summary"]
    assert "от всех делегаций" in summary and "Кыргызстан" in summary
    i18n.set_language("en")
    assert "everyone who attended" not in compute(desk, Period.of(2024), today=TODAY).figures["summary"]


def test_cli_csv_is_one_table_with_the_chosen_delimiter(cli, tmp_path):
    cli.put(
        "event", type="webinar", title="Вебинар; часть 1", start_date="2024-06-10", status="held", participants_total=12
    )
    for option, delimiter in ((None, ";"), ("comma", ","), ("tab", "\t")):
        out = tmp_path / f"r-{option}.csv"
        cli(
            "report",
            "--year",
            "2024",
            "--format",
            "csv",
            "--out",
            out,
            "--lang",
            "en",
            *(["--csv-delimiter", option] if option else []),
            check=True,
        )
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=delimiter))
        assert rows[0][:2] == ["Start date", "End date"] and len(rows) == 2
        assert rows[1][rows[0].index("Title")] == "Вебинар; часть 1"


def test_xlsx_prints_landscape_fitted_to_width_with_repeated_headers(small, tmp_path):
    from openpyxl import load_workbook

    from desktop_app.reports.export import write_xlsx

    desk, _ids = small
    write_xlsx(compute(desk, Period.of(2024), today=TODAY), tmp_path / "r.xlsx")
    for sheet in load_workbook(tmp_path / "r.xlsx").worksheets:
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_area and sheet.print_title_rows


def test_calendar_sequence_and_last_modified_follow_the_change_log(small, tmp_path):
    from icalendar import Calendar

    from desktop_app.reports.calendar import write_calendar

    desk, ids = small
    training = ids["Региональный тренинг в Алматы"]

    def item():
        write_calendar(desk, tmp_path / "e.ics")
        calendar = Calendar.from_ical((tmp_path / "e.ics").read_bytes())
        return next(e for e in calendar.walk("VEVENT") if str(e["uid"]) == training)

    first = item()
    assert int(first["sequence"]) == 0 and first.decoded("last-modified").tzinfo is not None
    desk.put("event", {"id": training, "city": "Астана"})
    desk.put("event", {"id": training, "status": "cancelled"})
    second = item()
    assert int(second["sequence"]) == 2 and str(second["status"]) == "CANCELLED"
    assert second.decoded("last-modified") >= first.decoded("last-modified")
    assert item()["sequence"] == second["sequence"], "the same changes give the same sequence"


def test_json_is_valid_and_keeps_its_keys(small, tmp_path):
    from desktop_app.reports.export import write_json

    desk, _ids = small
    write_json(compute(desk, Period.of(2024), today=TODAY), tmp_path / "r.json")
    figures = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert figures["by_type"]["regional_training"] == {
        "events": 2,
        "participants_total": 90,
        "participants_women": 45,
        "participants_men": 45,
        "international_experts": 3,
    }
    assert figures["by_type"]["webinar"]["events"] == 0


@pytest.mark.parametrize(
    "language, names",
    [
        ("ru", ["Азамат Исаков", "Ержан Ахметов", "Dilnoza Oʻrinboyeva", "James Whitfield"]),
        ("kk", ["Айгерим Сапарова", "Әлия Нұрова", "Maria Keller"]),
        ("uz", ["Dilnoza Oʻrinboyeva", "Gʻayrat Toshmatov", "Азамат Исаков"]),
    ],
)
def test_attendance_sheets_list_the_languages_own_script_first(language, names):
    from desktop_app.reports.sheets import name_order

    assert sorted(reversed(names), key=lambda name: name_order(name, language)) == names


def test_operating_system_errors_are_worded_in_the_users_language():
    import errno

    from desktop_app.os_errors import os_reason

    i18n.set_language("kk")
    assert os_reason(PermissionError(errno.EACCES, "Permission denied")) == "рұқсат жоқ"
    assert os_reason(OSError(errno.EIO, "Input/output error")) == "жүйелік қате 5"
