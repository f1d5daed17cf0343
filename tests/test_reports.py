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
    assert figures["by_country"] == {"KG": {"events": 1, "participants": 40}, "KZ": {"events": 1, "participants": 50},
                                     "UZ": {"events": 1, "participants": 6}}
    assert figures["by_thematic_area"] == {"prevention": 2, "asset_recovery": 1}
    assert figures["actions"] == {"open": 1, "in_progress": 1, "done": 1, "dropped": 0, "overdue": 1}
    assert "3 events with 96 participants (47 women and 49 men)" in figures["summary"]
    json.dumps(figures)


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
    assert "10 regional technical training sessions with over 900 participants and 30 international experts" \
        in figures["summary"]
    assert "12 bilateral meetings" in figures["summary"]
