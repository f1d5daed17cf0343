"""Issue 19: documents a donor and a ministry sign, checked from the files themselves (PDF text layer)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from desktop_app import i18n
from desktop_app.domain.demo import load_public_record
from desktop_app.reports.data import Period, compute
from tests.report_fixture import TODAY, build_small_record
from tests.test_reports import pdf_text

LONG_TITLE = (
    "Региональный тренинг по вопросам международного сотрудничества в сфере возвращения активов, "
    "полученных преступным путём, и взаимной правовой помощи по уголовным делам о коррупции для "
    "сотрудников антикоррупционных органов, прокуратуры и подразделений финансовой разведки "
    "государств Центральной Азии"
)
HYPHENATED = "Анна-Мария Салтанат-кызы Ахмедова-Кенжебаева"


@pytest.fixture
def in_language():
    def switch(language):
        i18n.set_language(language)

    yield switch
    i18n.set_language("en")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from desktop_app.domain.desk import Desk

    desk = Desk.create(tmp_path_factory.mktemp("demo") / "demo.db", "unodc", "secretariat")
    load_public_record(desk)
    yield desk
    desk.close()


def test_nested_events_are_counted_once_and_planned_events_are_stated(small_desk):
    desk, ids = small_desk
    conference = desk.put(
        "event",
        {
            "type": "conference",
            "title": "Conference",
            "start_date": "2024-10-01",
            "status": "held",
            "participants_total": 150,
            "participants_women": 70,
            "participants_men": 80,
        },
    )
    desk.put(
        "event",
        {
            "type": "bilateral_meeting",
            "title": "Bilateral",
            "start_date": "2024-10-01",
            "status": "held",
            "parties": ["KZ", "KG"],
            "parent_id": conference,
            "participants_total": 6,
            "participants_women": 2,
            "participants_men": 4,
        },
    )
    figures = compute(desk, Period.of(2024), today=TODAY).figures
    assert figures["participants_total"] == 96 + 150, "the bilateral's 6 are among the conference's 150"
    assert figures["by_type"]["bilateral_meeting"]["participants_total"] == 12, "its own type still shows them"
    assert (figures["events_total"], figures["events_held"], figures["events_planned_past"]) == (5, 4, 1)
    assert figures["events_within_others"] == 1
    assert "1 event is still recorded as planned although its dates have passed" in figures["summary"]
    assert "held within another" in figures["summary"]


@pytest.fixture
def small_desk(desk):
    return desk, build_small_record(desk)


def test_russian_report_reads_russian_with_cover_outcomes_and_cldr_dates(demo, tmp_path, in_language):
    from pypdf import PdfReader

    from desktop_app.reports.pdf import write_pdf

    in_language("ru")
    path = tmp_path / "report.pdf"
    report = compute(demo, Period.of(2024), today=date(2025, 1, 15))
    write_pdf(report, path)
    text = pdf_text(path)
    cover = text[: text.index("Сводка")]
    assert "Секретариат: Управление Организации Объединённых Наций" in cover
    assert "Период: 1 января — 31 декабря 2024 г." in cover and "Дата выдачи: 15 января 2025 г." in cover
    assert "благодаря поддержке доноров Региональной программы УНП ООН" in cover
    assert "Региональный тренинг по возвращению активов и финансовым расследованиям" in text
    assert "Regional training" not in text and "Almaty" not in text, "no English from the record"
    assert "20—22 февраля 2024 г." in text, "a CLDR interval, month and year said once"
    assert "Алматы, Казахстан" in text
    assert "Итоги" in text or "Результаты" in text
    assert "Подведены итоги первого года; согласованы приоритеты на 2025 год" in text
    assert "Криминализация и правоохранительная деятельность" in text and "…" not in text, "labels wrap"
    assert "Участники по странам делегаций" in text
    lines = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    start = lines.index("Итоги")
    outcomes = lines[start : lines.index("Последующие действия", start)]
    assert outcomes.count("октября") >= 12
    assert not re.search(r"\(\d[^)\n]*[^\s—–)-][ \t]*\n", outcomes), "a heading's date breaks only at its dash"


def test_english_dates_are_written_as_the_un_writes_them(demo, tmp_path):
    from desktop_app.reports.pdf import write_pdf

    path = tmp_path / "report.pdf"
    write_pdf(compute(demo, Period.of(2024), today=date(2025, 1, 15)), path)
    text = pdf_text(path)
    assert "20 – 22 February 2024" in text and "Issued on 15 January 2025" in text
    assert "2/20/2024" not in text


def test_certificates_never_cut_and_speak_to_the_person(desk, tmp_path, in_language):
    from desktop_app.reports.sheets import write_certificates

    event = desk.put(
        "event",
        {
            "type": "regional_training",
            "title": LONG_TITLE[:280],
            "start_date": "2024-02-20",
            "end_date": "2024-02-22",
            "status": "held",
            "city": "Алматы",
            "country": "KZ",
            "organizer": "Управление Организации Объединённых Наций по наркотикам и "
            "преступности (УНП ООН), Региональное представительство для Центральной Азии",
            "signatory": "Аида Каримова",
            "signatory_position": "Координатор программы",
        },
    )
    woman = desk.put("person", {"full_name": HYPHENATED, "gender": "female"})
    man = desk.put("person", {"full_name": "Ержан Болатович Ахметов", "gender": "male"})
    trainer = desk.put("person", {"full_name": "Maria Keller", "gender": "female"})
    for person, role in ((woman, "participant"), (man, "participant"), (trainer, "trainer")):
        desk.put("participation", {"event_id": event, "person_id": person, "role": role})
    in_language("ru")
    path = tmp_path / "certificates.pdf"
    assert write_certificates(desk, event, path) == 3
    from pypdf import PdfReader

    # One line of text per page; a name or a title wrapped after a hyphen joins up again.
    pages = [re.sub(r"-\s+", "-", " ".join(page.extract_text().split())) for page in PdfReader(path).pages]
    by_name = {
        name: next(p for p in pages if name in p) for name in (HYPHENATED, "Ержан Болатович Ахметов", "Maria Keller")
    }
    for page in pages:
        assert " ".join(LONG_TITLE[:280].split()) in page, "the 280-character title whole"
        assert "Региональное представительство для Центральной Азии" in page, "the organizer whole"
        assert "Аида Каримова" in page and "Координатор программы" in page
        assert "выдан 22 февраля 2024 г." in page and "Продолжительность: 3 дня" in page
    assert "приняла участие" in by_name[HYPHENATED] and "СЕРТИФИКАТ УЧАСТИЯ" in by_name[HYPHENATED]
    assert "принял участие" in by_name["Ержан Болатович Ахметов"]
    keller = by_name["Maria Keller"]
    assert "БЛАГОДАРСТВЕННЫЙ СЕРТИФИКАТ" in keller and "в знак признательности за вклад" in keller
    assert "СЕРТИФИКАТ УЧАСТИЯ" not in keller


def _cells(path) -> dict[str, list[str]]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {
        sheet.title: [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        for sheet in book.worksheets
    }


def test_xlsx_for_donors_carries_no_personal_data_unless_asked(cli, tmp_path):
    event = cli.put(
        "event",
        type="regional_training",
        title="Тренинг",
        start_date="2024-03-01",
        status="held",
        participants_total=20,
        participants_women=12,
        participants_men=8,
    )
    person = cli.put("person", full_name="Айгерим Сапарова", gender="female", email="a.saparova@example.kz")
    cli.put("participation", event_id=event, person_id=person)
    plain, full = tmp_path / "donor.xlsx", tmp_path / "internal.xlsx"
    cli("report", "--year", "2024", "--format", "xlsx", "--out", plain, "--lang", "ru", check=True)
    cli("report", "--year", "2024", "--format", "xlsx", "--out", full, "--lang", "ru", "--include-people", check=True)
    donor = _cells(plain)
    text = " ".join(value for values in donor.values() for value in values)
    assert "Айгерим Сапарова" not in text and "a.saparova@example.kz" not in text and "Женский" not in text
    assert "Тренинг" in text, "the events are there"
    internal = _cells(full)
    assert set(internal) - set(donor), "the people sheets come only with --include-people"
    assert any("a.saparova@example.kz" in values for values in internal.values())


def test_xlsx_summary_row_is_tall_enough_for_its_text(demo, tmp_path, in_language):
    from openpyxl import load_workbook

    from desktop_app.reports.export import write_xlsx

    in_language("kk")
    path = tmp_path / "report.xlsx"
    report = compute(demo, Period.of(2024), today=date(2025, 1, 15))
    write_xlsx(report, path)
    sheet = load_workbook(path).worksheets[0]
    width = sum(sheet.column_dimensions[letter].width for letter in "ABC")
    lines = -(-len(report.figures["summary"]) // int(width))  # at least this many lines at one character a unit
    assert sheet.row_dimensions[2].height >= 15 * lines
