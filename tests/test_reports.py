"""Report figures, exports and the calendar, checked against hand-computed numbers and the demo record."""

from __future__ import annotations

import json
from datetime import date

import pytest

from desktop_app import i18n
from desktop_app.domain.demo import load_public_record
from desktop_app.reports.data import Period, compute
from tests.report_fixture import TODAY, build_small_record


@pytest.fixture
def small(desk):
    ids = build_small_record(desk)
    return desk, ids


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from desktop_app.domain.desk import Desk

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    desk = Desk.create(path, "secretariat", "secretariat")
    load_public_record(desk)
    desk.close()
    return path


def test_figures_of_a_small_record(small):
    desk, _ids = small
    figures = compute(desk, Period.of(2024), today=TODAY).figures
    assert figures["year"] == 2024
    assert figures["events_by_type"] == {"regional_training": 2, "bilateral_meeting": 1}
    assert (figures["participants_total"], figures["participants_women"], figures["participants_men"]) == (96, 47, 49)
    assert figures["international_experts"] == 3
    assert (figures["unique_people"], figures["attendances"]) == (2, 3)
    assert figures["attendances_by_role"] == {"participant": 1, "speaker": 1, "international_expert": 1}
    assert figures["bilateral_meetings"] == 1
    # Per delegation (the participants' country): member states first, alphabetically, then the others.
    assert list(figures["by_country"].items()) == [
        ("KZ", {"events": 2, "participants": 2}),
        ("KG", {"events": 2, "participants": 0}),
        ("TJ", {"events": 1, "participants": 0}),
        ("UZ", {"events": 1, "participants": 0}),
        ("GB", {"events": 1, "participants": 1}),
    ]
    assert figures["by_thematic_area"] == {"prevention": 2, "asset_recovery": 1}
    assert figures["actions"] == {"open": 1, "in_progress": 1, "done": 1, "dropped": 0, "overdue": 1}
    assert (
        "the Platform held 3 events. 96 participants took part in all. Of them, 47 were women. Of them, 49 were men."
        in figures["summary"]
    )
    json.dumps(figures)


def _every_count(count: int) -> dict:
    """Figures in which every number the summary states is ``count``."""
    return {
        "country": None,
        "year": 2024,
        **dict.fromkeys(("events_total", "participants_total", "participants_women", "participants_men"), count),
        **dict.fromkeys(("events_within_others", "events_planned_past", "bilateral_meetings"), count),
        **dict.fromkeys(("attendances", "unique_people"), count),
        "by_type": {
            "regional_training": {"events": count, "participants_total": count, "international_experts": count}
        },
        "actions": {"open": 0, "done": count, "overdue": count},
    }


# Each sentence holds one count, in the plural form Russian gives it: one (1, 21), few (2), many (5).
RUSSIAN_SUMMARY = {
    1: "В 2024 году Платформа провела 1 мероприятие. Всего участие принял 1 человек. Из них 1 женщина. "
    "Из них 1 мужчина. 1 из этих мероприятий проведено в рамках другого, и его участники учтены лишь один раз — "
    "вместе с участниками того мероприятия. 1 мероприятие всё ещё значится запланированным, хотя его сроки прошли: "
    "оно учтено, но его проведение не подтверждено. В том числе 1 региональный технический тренинг. "
    "В них принял участие 1 человек. В их работе участвовал 1 международный эксперт. Проведена 1 двусторонняя "
    "встреча. Поимённо учтён 1 человек. Всего отмечен 1 случай участия. Согласовано 1 последующее действие. "
    "Из них выполнено 1 действие. Просрочено 1 последующее действие.",
    2: "В 2024 году Платформа провела 2 мероприятия. Всего участие приняли 2 человека. Из них 2 женщины. "
    "Из них 2 мужчины. 2 из этих мероприятий проведены в рамках других, и их участники учтены лишь один раз — "
    "вместе с участниками тех мероприятий. 2 мероприятия всё ещё значатся запланированными, хотя их сроки прошли: "
    "они учтены, но их проведение не подтверждено. В том числе 2 региональных технических тренинга. "
    "В них приняли участие 2 человека. В их работе участвовали 2 международных эксперта. Проведены 2 двусторонние "
    "встречи. Поимённо учтены 2 человека. Всего отмечено 2 случая участия. Согласовано 2 последующих действия. "
    "Из них выполнено 2 действия. Просрочено 2 последующих действия.",
    5: "В 2024 году Платформа провела 5 мероприятий. Всего участие приняли 5 человек. Из них 5 женщин. "
    "Из них 5 мужчин. 5 из этих мероприятий проведены в рамках других, и их участники учтены лишь один раз — "
    "вместе с участниками тех мероприятий. 5 мероприятий всё ещё значатся запланированными, хотя их сроки прошли: "
    "они учтены, но их проведение не подтверждено. В том числе 5 региональных технических тренингов. "
    "В них приняли участие 5 человек. В их работе участвовали 5 международных экспертов. Проведено 5 двусторонних "
    "встреч. Поимённо учтены 5 человек. Всего отмечено 5 случаев участия. Согласовано 5 последующих действий. "
    "Из них выполнено 5 действий. Просрочено 5 последующих действий.",
    21: "В 2024 году Платформа провела 21 мероприятие. Всего участие принял 21 человек. Из них 21 женщина. "
    "Из них 21 мужчина. 21 из этих мероприятий проведено в рамках другого, и его участники учтены лишь один раз — "
    "вместе с участниками того мероприятия. 21 мероприятие всё ещё значится запланированным, хотя его сроки прошли: "
    "оно учтено, но его проведение не подтверждено. В том числе 21 региональный технический тренинг. "
    "В них приняли участие более 20 человек. В их работе участвовал 21 международный эксперт. Проведена 21 "
    "двусторонняя встреча. Поимённо учтён 21 человек. Всего отмечен 21 случай участия. Согласовано 21 последующее "
    "действие. Из них выполнено 21 действие. Просрочено 21 последующее действие.",
}


@pytest.mark.parametrize("count", sorted(RUSSIAN_SUMMARY))
def test_summary_sentences_each_agree_with_their_own_count_in_russian(count):
    from desktop_app.reports.data import summary

    i18n.set_language("ru")
    try:
        assert summary(_every_count(count)) == RUSSIAN_SUMMARY[count]
    finally:
        i18n.set_language("en")


def test_summary_sentences_with_different_counts_each_take_their_own_form():
    """Two counts never share one sentence: 1 event with 5 participants reads "1 мероприятие" and "5 человек"."""
    from desktop_app.reports.data import summary

    figures = _every_count(5) | {"events_total": 1, "participants_women": 21, "participants_men": 2}
    i18n.set_language("ru")
    try:
        text = summary(figures)
    finally:
        i18n.set_language("en")
    assert "провела 1 мероприятие. Всего участие приняли 5 человек. Из них 21 женщина. Из них 2 мужчины." in text


def test_country_and_dates_narrow_the_report(small):
    desk, _ids = small
    kg = compute(desk, Period.of(2024, "KG"), today=TODAY).figures
    assert kg["events_by_type"] == {"regional_training": 2} and kg["participants_total"] == 90
    assert kg["bilateral_meetings"] == 0
    spring = compute(desk, Period.of(2024, start=date(2024, 4, 1), end=date(2024, 12, 31)), today=TODAY).figures
    assert spring["events_by_type"] == {"bilateral_meeting": 1, "regional_training": 1}
    assert spring["participants_total"] == 46
    later = compute(desk, Period.of(2024), today=date(2025, 1, 1)).figures
    assert later["events_by_type"]["webinar"] == 1, "a planned event whose date has passed counts"


def test_summary_names_the_country_in_the_report_language(small):
    desk, _ids = small
    i18n.set_language("ru")
    summary = compute(desk, Period.of(2024, "KZ"), today=TODAY).figures["summary"]
    assert "Казахстан" in summary and "2024" in summary


def test_demo_figures_match_the_public_record(demo_db):
    from desktop_app.domain.desk import Desk

    desk = Desk.open(demo_db)
    try:
        report = compute(desk, Period.of(2024))
    finally:
        desk.close()
    figures = report.figures
    trainings = report.events_behind("events_by_type", "regional_training")
    assert figures["events_by_type"]["regional_training"] == 10 == len(trainings)
    assert sum(e["participants_total"] for e in trainings) >= 900
    assert sum(e["international_experts"] for e in trainings) == 30
    assert figures["bilateral_meetings"] == 12
    assert (
        "This includes 10 regional technical training sessions. Over 900 participants took part in them. "
        "30 international experts contributed to them." in figures["summary"]
    )
    assert "12 bilateral meetings" in figures["summary"]


def test_xlsx_has_typed_cells_translated_headers_and_right_sums(small, tmp_path):
    from openpyxl import load_workbook

    from desktop_app.reports.export import write_xlsx

    desk, _ids = small
    i18n.set_language("ru")
    path = tmp_path / "report.xlsx"
    write_xlsx(compute(desk, Period.of(2024), today=TODAY), path, include_people=True)
    book = load_workbook(path)
    assert len(book.sheetnames) == 5
    events = book.worksheets[1]
    headers = [c.value for c in events[1]]
    assert events.freeze_panes == "A2" and events.auto_filter.ref
    rows = list(events.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    start = rows[0][headers.index(i18n._("Start date"))]
    assert start.year == 2024 and start.month == 3  # a real date cell
    total = headers.index(i18n._("Participants"))
    assert sum(row[total] for row in rows) == 96
    assert "Казахстан" in [row[headers.index(i18n._("Country"))] for row in rows]
    people = book.worksheets[3]
    assert sorted(row[0] for row in people.iter_rows(min_row=2, values_only=True)) == ["John Smith", "Айгерим Сапарова"]
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=5, values_only=True) if row[0]}
    assert summary[i18n._("Participants")] == 96 and summary[i18n._("Bilateral meetings")] == 1


@pytest.mark.parametrize("language, delimiter", [("en", ";"), ("ru", ";"), ("en", ",")])
def test_csv_is_one_table_with_bom_and_a_delimiter_excel_reads(small, tmp_path, language, delimiter):
    import csv

    from desktop_app.reports.export import write_csv

    desk, _ids = small
    i18n.set_language(language)
    path = tmp_path / "report.csv"
    write_csv(compute(desk, Period.of(2024), today=TODAY), path, delimiter)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=delimiter))
    assert len({len(row) for row in rows}) == 1, "one table: every row has the header's columns"
    assert rows[0][0] == i18n._("Start date") and len(rows) == 4
    assert rows[1][0] == "2024-03-01" and "Региональный тренинг в Алматы" in rows[1]


def test_calendar_holds_every_event_as_all_day(small, tmp_path):
    from icalendar import Calendar

    from desktop_app.reports.calendar import write_calendar

    desk, ids = small
    path = tmp_path / "events.ics"
    count = write_calendar(desk, path)
    calendar = Calendar.from_ical(path.read_bytes())
    items = {str(item["uid"]): item for item in calendar.walk("VEVENT")}
    assert count == len(items) and {
        ids[n]
        for n in (
            "Региональный тренинг в Алматы",
            "Bilateral UZ-TJ",
            "Past planned training",
            "Future planned",
            "Last year",
            "Cancelled",
        )
    } <= set(items)
    assert str(items[ids["Cancelled"]]["status"]) == "CANCELLED"
    training = items[ids["Региональный тренинг в Алматы"]]
    assert str(training["summary"]) == "Региональный тренинг в Алматы"
    assert training.decoded("dtstart") == date(2024, 3, 1) and training.decoded("dtend") == date(2024, 3, 3)
    assert str(training["location"]) == "Алматы, Kazakhstan"


def test_cli_report_and_calendar(cli, tmp_path):
    event = cli.put(
        "event",
        type="bilateral_meeting",
        title="Встреча KZ-KG",
        start_date="2024-10-30",
        status="held",
        country="KZ",
        parties=["KZ", "KG"],
        participants_total=6,
        participants_women=2,
        participants_men=4,
    )
    out = tmp_path / "report.json"
    cli("report", "--year", "2024", "--format", "json", "--out", out, "--country", "kg", check=True)
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["bilateral_meetings"] == 1 and figures["by_country"] == {
        "KZ": {"events": 1, "participants": 0},
        "KG": {"events": 1, "participants": 0},
    }
    cli("report", "--year", "2024", "--format", "xlsx", "--out", tmp_path / "r.xlsx", "--lang", "ru", check=True)
    assert (tmp_path / "r.xlsx").stat().st_size > 0
    cli("calendar", "--out", tmp_path / "events.ics", check=True)
    assert event in (tmp_path / "events.ics").read_text(encoding="utf-8")
    person = cli.put("person", full_name="Ержан Ахметов")
    cli.put("participation", event_id=event, person_id=person)
    cli("sheet", event, "--kind", "certificates", "--out", tmp_path / "c.pdf", "--lang", "ru", check=True)
    assert "Ержан Ахметов" in pdf_text(tmp_path / "c.pdf")


@pytest.mark.parametrize(
    "args, word",
    [
        (("--year", "2024", "--format", "doc"), "--format"),
        (("--year", "2024", "--format", "json", "--from", "2024-02-30"), "2024-02-30"),
        (("--year", "2024", "--format", "json", "--country", "XX"), "XX"),
        (("--year", "2024", "--format", "json", "--from", "2024-06-01", "--to", "2024-05-01"), "--to"),
    ],
)
def test_cli_report_bad_arguments_are_one_line_exit_2(cli, tmp_path, args, word):
    result = cli("report", "--out", tmp_path / "r.json", *args)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and word in lines[0]
    assert not (tmp_path / "r.json").exists()


def pdf_text(path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages)


def test_pdf_report_is_a4_with_cyrillic_text(small, tmp_path):
    from pypdf import PdfReader

    from desktop_app.reports.pdf import write_pdf

    desk, ids = small
    desk.put("event", {"id": ids["Bilateral UZ-TJ"], "title": "Қазақстан ұлттық кеңесі, Türkmenistanyň wekilleri, Ҷ"})
    i18n.set_language("ru")
    path = tmp_path / "report.pdf"
    write_pdf(compute(desk, Period.of(2024), today=TODAY), path)
    assert path.read_bytes().startswith(b"%PDF")
    box = PdfReader(path).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    text = pdf_text(path)
    for expected in ("Региональный тренинг в Алматы", "Казахстан", "Кыргызстан", "ұлттық", "Türkmenistanyň"):
        assert expected in text


def test_attendance_sheet_and_certificates(small, tmp_path):
    from pypdf import PdfReader

    from desktop_app.errors import InputError
    from desktop_app.reports.sheets import write_attendance_sheet, write_certificates

    desk, ids = small
    i18n.set_language("ru")
    training = ids["Региональный тренинг в Алматы"]
    sheet = tmp_path / "sheet.pdf"
    assert write_attendance_sheet(desk, training, sheet) == 2
    text = pdf_text(sheet)
    assert "Айгерим Сапарова" in text and "Агентство" in text and "Removed Person" not in text
    certificates = tmp_path / "certificates.pdf"
    assert write_certificates(desk, training, certificates) == 2
    pages = PdfReader(certificates).pages
    assert len(pages) == 2 and float(pages[0].mediabox.width) > float(pages[0].mediabox.height)
    assert ["John Smith" in " ".join(page.extract_text().split()) for page in pages] == [False, True], (
        "Cyrillic names first on a Russian sheet"
    )
    assert "Айгерим Сапарова" in pdf_text(certificates)
    with pytest.raises(InputError):
        write_certificates(desk, ids["Future planned"], tmp_path / "none.pdf")


def test_a_participation_recorded_on_two_computers_counts_once(tmp_path):
    from desktop_app.domain.desk import Desk
    from desktop_app.reports.sheets import event_people
    from desktop_app.sync import api

    secretariat = Desk.create(tmp_path / "unodc.db", "unodc", "secretariat")
    delegation = Desk.create(tmp_path / "kz.db", "kz", "delegation", "KZ")
    try:
        event = secretariat.put(
            "event", {"type": "webinar", "title": "Webinar", "start_date": "2024-06-10", "status": "held"}
        )
        person = secretariat.put("person", {"full_name": "Айгерим Сапарова"})
        api.import_files(
            delegation, api.export_bundle(secretariat, tmp_path / "1.pdsync").paths, trust=[secretariat.fingerprint]
        )
        for desk in (secretariat, delegation):  # both record her attendance before they next exchange files
            desk.put("participation", {"event_id": event, "person_id": person})
        api.import_files(
            secretariat, api.export_bundle(delegation, tmp_path / "2.pdsync").paths, trust=[delegation.fingerprint]
        )
        figures = compute(secretariat, Period.of(2024), today=TODAY).figures
        assert (figures["attendances"], figures["unique_people"]) == (1, 1)
        assert len(event_people(secretariat, event)[1]) == 1
    finally:
        secretariat.close()
        delegation.close()
