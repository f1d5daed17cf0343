"""Attendance lists as real tools write them (issue 19): Teams and Zoom exports, people of one name, a quote left
open, member states by any of their names, names in a second script, transliterations, progress."""

from __future__ import annotations

import json

import pytest

from desktop_app.domain import progress
from desktop_app.importers.attendance import AttendanceImportError, import_attendance, preview

TEAMS = (
    "1. Summary\n"
    "Meeting title\tRegional webinar on asset recovery\n"
    "Attended participants\t3\n"
    "Start time\t2/20/24, 9:58:12 AM\n"
    "\n"
    "2. Participants\n"
    "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\n"
    "Aida Karimova\t2/20/24, 9:58 AM\t2/20/24, 12:01 PM\t2h 3m\taida.karimova@unodc.org\taida.karimova@unodc.org\tOrganizer\n"
    "Азамат Исаков\t2/20/24, 10:00 AM\t2/20/24, 12:00 PM\t2h\tazamat@anticor.kg\tazamat@anticor.kg\tPresenter\n"
    "Дилноза Уринбоева\t2/20/24, 10:02 AM\t2/20/24, 11:30 AM\t1h 28m\t\t\tAttendee\n"
    "\n"
    "3. In-Meeting Activities\n"
    "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole\n"
    "Aida Karimova\t2/20/24, 9:58 AM\t2/20/24, 12:01 PM\t2h 3m\taida.karimova@unodc.org\tOrganizer\n"
    "Азамат Исаков\t2/20/24, 10:00 AM\t2/20/24, 11:00 AM\t1h\tazamat@anticor.kg\tPresenter\n"
    "Азамат Исаков\t2/20/24, 11:05 AM\t2/20/24, 12:00 PM\t55m\tazamat@anticor.kg\tPresenter\n"
)


@pytest.fixture
def event(desk):
    event_id = desk.put("event", {"type": "webinar", "title": "Webinar", "start_date": "2024-02-20", "status": "held"})
    desk.put("person", {"full_name": "Dilnoza Oʻrinboyeva", "country": "UZ", "gender": "female"})
    return event_id


def people(desk) -> dict[str, dict]:
    return {p["full_name"]: p for p in desk.list("person")}


def roles(desk, event_id) -> dict[str, str]:
    names = {p["id"]: p["full_name"] for p in desk.list("person")}
    return {names[p["person_id"]]: p["role"] for p in desk.list("participation") if p["event_id"] == event_id}


def test_teams_report_in_utf16_with_sections_and_roles(desk, event, tmp_path):
    path = tmp_path / "meetingAttendanceReport.csv"
    path.write_bytes(TEAMS.encode("utf-16"))
    result = import_attendance(desk, path, event)
    assert (result.people_created, result.people_matched) == (2, 1), "the activities section adds nobody"
    assert roles(desk, event) == {
        "Aida Karimova": "organizer",
        "Азамат Исаков": "speaker",
        "Dilnoza Oʻrinboyeva": "participant",
    }, "Уринбоева is Oʻrinboyeva"
    assert "Name" not in people(desk)


def test_zoom_first_and_last_names_and_device_prefixes(desk, event, tmp_path):
    path = tmp_path / "zoom.csv"
    path.write_text(
        "First Name,Last Name,Email,Organization\n"
        "Aigerim,Saparova,aigerim@anticorruption.kz,Anti-Corruption Agency\n"
        "iPhone (Азамат Исаков),,,\n"
        "Galaxy S21 (Sherzod Rakhimov),,sherzod@afc.tj,\n",
        encoding="utf-8",
    )
    import_attendance(desk, path, event)
    names = set(people(desk))
    assert {"Aigerim Saparova", "Азамат Исаков", "Sherzod Rakhimov"} <= names
    assert not any("iPhone" in name or "Galaxy" in name for name in names)
    assert people(desk)["Aigerim Saparova"]["organization"] == "Anti-Corruption Agency"


def test_people_of_one_name_with_different_emails_stay_apart(desk, event, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "Name;E-mail\nАлия Садыкова;aliya.s@gov.kz\nАлия Садыкова;a.sadykova@prokuror.kg\n"
        "Алия Садыкова;aliya.s@gov.kz\n",
        encoding="utf-8",
    )
    result = import_attendance(desk, path, event)
    assert (result.people_created, result.rejoins) == (2, 1)
    emails = sorted(p["email"] for p in desk.list("person") if p["full_name"] == "Алия Садыкова")
    assert emails == ["a.sadykova@prokuror.kg", "aliya.s@gov.kz"]


def test_an_unclosed_quote_refuses_the_file_naming_its_row(cli, tmp_path):
    event = cli.put("event", type="webinar", title="Webinar", start_date="2024-02-20")
    path = tmp_path / "broken.csv"
    path.write_text(
        'Name,E-mail\nAigerim Saparova,a@x.kz\n"Azamat Isakov,az@x.kg\nSherzod Rakhimov,s@x.tj\n'
        "Dilnoza Urinboeva,d@x.uz\n",
        encoding="utf-8",
    )
    result = cli("import-attendance", event, path)
    assert result.returncode == 2 and "row 3" in result.stderr and "quotation mark" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(cli("list", "person", "--json", check=True).stdout) == [], "nothing imported"


@pytest.mark.parametrize(
    "written, code",
    [
        ("Kyrgyz Republic", "KG"),
        ("Республика Казахстан", "KZ"),
        ("РК", "KZ"),
        ("Ўзбекистон", "UZ"),
        ("Oʻzbekiston", "UZ"),
        ("Тоҷикистон", "TJ"),
        ("Türkmenistan", "TM"),
        ("Кыргызстан", "KG"),
        ("kz", "KZ"),
    ],
)
def test_member_states_by_any_of_their_names(desk, event, tmp_path, written, code):
    path = tmp_path / "list.csv"
    path.write_text(f"ФИО;Страна\nНургуль Токтогулова;{written}\n", encoding="utf-8")
    import_attendance(desk, path, event)
    assert people(desk)["Нургуль Токтогулова"]["country"] == code


def test_a_second_script_column_fills_the_name_in_that_language(desk, event, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "Full name;ФИО (на русском);E-mail\nYerzhan Akhmetov;Ержан Ахметов;yerzhan@gov.kz\n", encoding="utf-8"
    )
    import_attendance(desk, path, event)
    person = people(desk)["Yerzhan Akhmetov"]
    assert person["full_name@ru"] == "Ержан Ахметов"


def test_long_lists_report_progress(desk, event, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(
        "Name;E-mail\n" + "".join(f"Participant {n:05d};p{n}@example.org\n" for n in range(1200)), encoding="utf-8"
    )
    reports = []
    with progress.running(progress.Progress(lambda label, done, total: reports.append((label, done, total)))):
        import_attendance(desk, path, event)
    assert any(total == 1200 and done and done < total for _label, done, total in reports)
    assert any(label and "Recording" in label for label, _done, _total in reports)


def test_a_malformed_row_is_refused_before_anything_is_read_into_the_plan(desk, event, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text('Name\n"Open quote\nnext\n', encoding="utf-8")
    with pytest.raises(AttendanceImportError) as raised:
        preview(desk, path, event)
    assert raised.value.errors[0][0] == 2
