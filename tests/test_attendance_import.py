"""Importing attendance lists from XLSX and CSV files into an event: mapping, matching, rejoins, bad rows."""

from __future__ import annotations

import re

import pytest
from openpyxl import Workbook

from desktop_app import i18n
from desktop_app.errors import InputError
from desktop_app.importers.attendance import (
    AttendanceImportError,
    detect_mapping,
    import_attendance,
    latin_key,
    preview,
)


@pytest.fixture
def event(desk):
    event_id = desk.put(
        "event", {"type": "webinar", "title": "Вебинар по декларированию", "start_date": "2024-06-10", "status": "held"}
    )
    saparova = desk.put("person", {"full_name": "Айгерим Нурлановна Сапарова", "gender": "female", "country": "KZ"})
    smith = desk.put("person", {"full_name": "John Smith", "email": "john.smith@unodc.org"})
    desk.put("participation", {"event_id": event_id, "person_id": smith, "attended": False})
    return event_id, saparova, smith


def write_xlsx(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def people_named(desk):
    return sorted(p["full_name"] for p in desk.list("person"))


@pytest.mark.parametrize(
    "a, b",
    [
        ("Айгерим Сапарова", "Aigerim Saparova"),
        ("Ержан Ахметов", "Yerzhan Akhmetov"),
        ("Ғайрат Тошматов", "Gʻayrat Toshmatov"),
        ("Дилноза Ўринбоева", "Dilnoza Oʻrinboyeva"),
        ("Ҷамшед Ҳасанов", "Jamshed Khasanov"),
    ],
)
def test_cyrillic_and_latin_spellings_share_a_key(a, b):
    assert latin_key(a) == latin_key(b)
    assert latin_key("Айгерим Сапарова") != latin_key("Айжан Сапарова")


def test_headers_in_english_and_russian_are_recognised():
    assert detect_mapping(["№", "ФИО", "Организация", "Должность", "Эл. почта", "Пол"]) == {
        "full_name": 1,
        "organization": 2,
        "position": 3,
        "email": 4,
        "gender": 5,
    }
    assert detect_mapping(["Name (original name)", "User Email", "Join time", "Duration (minutes)"]) == {
        "full_name": 0,
        "email": 1,
    }
    assert detect_mapping(["Organization name", "Full name"]) == {"organization": 0, "full_name": 1}


def test_xlsx_import_matches_people_counts_rejoins_once_and_is_idempotent(desk, event, tmp_path):
    event_id, saparova, smith = event
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [
            ["Список участников вебинара"],
            [],
            ["ФИО", "Организация", "Эл. почта", "Пол", "Страна"],
            ["Aigerim Saparova", "Anti-Corruption Agency", "a.saparova@gov.kz", "Ж", "Казахстан"],
            ["SMITH John", "UNODC", "John.Smith@UNODC.org", "M", ""],
            ["Бекзод Каримов", "Генпрокуратура", "b.karimov@gov.uz", "М", "UZ"],
            ["Karimov Bekzod", "", "B.Karimov@gov.uz", "", ""],
        ],
    )
    planned = preview(desk, path, event_id)
    assert [row.status for row in planned.rows] == ["matched", "matched", "new", "rejoin"]
    assert people_named(desk) == ["John Smith", "Айгерим Нурлановна Сапарова"], "a preview writes nothing"
    result = import_attendance(desk, path, event_id)
    assert (result.people_created, result.people_matched, result.rejoins) == (1, 2, 1)
    assert people_named(desk) == ["John Smith", "Айгерим Нурлановна Сапарова", "Бекзод Каримов"]
    attended = [p for p in desk.list("participation") if p["event_id"] == event_id]
    assert len(attended) == 3 and all(p["attended"] for p in attended)
    assert desk.get(saparova)["email"] == "a.saparova@gov.kz", "a matched person gains the e-mail the list knows"
    assert desk.get(saparova)["full_name"] == "Айгерим Нурлановна Сапарова", "names are kept as typed"
    karimov = next(p for p in desk.list("person") if p["full_name"] == "Бекзод Каримов")
    assert (karimov["gender"], karimov["country"]) == ("male", "UZ")
    before = list(desk.dump())
    again = import_attendance(desk, path, event_id)
    assert (again.people_created, again.participations_added, again.already_recorded) == (0, 0, 3)
    assert list(desk.dump()) == before


def test_csv_webinar_export_in_windows_1251_with_semicolons(desk, event, tmp_path):
    event_id, _saparova, _smith = event
    path = tmp_path / "zoom.csv"
    path.write_bytes(
        "Name (original name);User Email;Duration (minutes)\n"
        "Ержан Ахметов;e.akhmetov@gov.kz;55\n"
        "Yerzhan Akhmetov;E.Akhmetov@gov.kz;12\n".encode("cp1251")
    )
    result = import_attendance(desk, path, event_id)
    assert (result.people_created, result.rejoins) == (1, 1)
    assert "Ержан Ахметов" in people_named(desk)


def test_bad_rows_are_all_reported_and_nothing_is_imported(desk, event, tmp_path):
    event_id, _saparova, _smith = event
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            ["Name", "Email", "Gender", "Country"],
            ["Good Person", "good@example.org", "F", "KG"],
            ["Bad Mail", "not-an-address", "", ""],
            ["Odd Gender", "", "robot", ""],
            ["", "", "", "Narnia"],
        ],
    )
    before = list(desk.dump())
    with pytest.raises(AttendanceImportError) as caught:
        import_attendance(desk, path, event_id)
    rows = dict(caught.value.errors)
    assert set(rows) == {3, 4, 5}
    assert "not-an-address" in rows[3] and "robot" in rows[4] and "Narnia" in rows[5]
    assert "row 3" in str(caught.value) and "\n" not in str(caught.value)
    assert list(desk.dump()) == before


def test_a_file_without_names_or_unreadable_is_refused(desk, event, tmp_path):
    event_id, _saparova, _smith = event
    no_names = write_xlsx(tmp_path / "numbers.xlsx", [["A", "B"], [1, 2]])
    with pytest.raises(InputError, match="names"):
        import_attendance(desk, no_names, event_id)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError):
        import_attendance(desk, broken, event_id)


def test_command_line_import_dry_run_then_import_then_a_bad_file(cli, tmp_path):
    import json

    event_id = cli.put("event", type="webinar", title="Webinar", start_date="2024-06-10", status="held")
    good = tmp_path / "list.csv"
    good.write_text("ФИО,Email\nАйгерим Сапарова,a@gov.kz\nAigerim Saparova,A@gov.kz\nJohn Smith,\n", encoding="utf-8")
    before = cli.dump()
    dry = json.loads(cli("import-attendance", event_id, good, "--dry-run", check=True).stdout)
    assert (dry["new"], dry["rejoins"]) == (2, 1) and cli.dump() == before
    done = json.loads(cli("import-attendance", event_id, good, check=True).stdout)
    assert done["participations_added"] == 2
    assert len(json.loads(cli("list", "person", "--json", check=True).stdout)) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("Name,Email\nSomeone,not-an-email\n", encoding="utf-8")
    after = cli.dump()
    result = cli("import-attendance", event_id, bad)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and "row 2" in lines[0] and "not-an-email" in lines[0]
    assert cli.dump() == after


def test_a_webinar_export_with_a_preamble_finds_the_participants_header(desk, event, tmp_path):
    event_id, _saparova, _smith = event
    path = write_xlsx(
        tmp_path / "zoom.xlsx",
        [
            ["Meeting name", "Topic", "Host email", "Duration (minutes)"],
            ["Webinar on asset declarations", "Declarations", "host@unodc.org", 90],
            [],
            ["Name (original name)", "User email", "Organization", "Duration (minutes)"],
            ["Dilnoza Oʻrinboyeva", "d.orinboyeva@gov.uz", "Anti-Corruption Agency", 85],
        ],
    )
    planned = preview(desk, path, event_id)
    assert [(row.row, row.values["full_name"], row.status) for row in planned.rows] == [
        (5, "Dilnoza Oʻrinboyeva", "new")
    ]


LIST = [
    ["ФИО", "Организация", "Эл. почта"],
    ["Айгерим Сапарова", "Агентство, отдел «А»", "a.saparova@gov.kz"],
    ["Ержан Ахметов", "Генпрокуратура", "e.akhmetov@gov.kz"],
]


def _csv(rows, delimiter):
    return "".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in row) + "\n" for row in rows)


@pytest.mark.parametrize(
    "encoding, line_end, delimiter",
    [
        ("utf-8", "\n", ","),
        ("utf-8-sig", "\r\n", ";"),
        ("utf-16", "\r\n", "\t"),
        ("utf-16-le", "\r", "\t"),
        ("utf-16-be", "\n", ","),
        ("cp1251", "\r", ";"),
        ("utf-8", "\r", ","),
        ("utf-8-sig", "\r", "\t"),
    ],
)
def test_csv_in_any_encoding_line_end_and_delimiter(desk, event, tmp_path, encoding, line_end, delimiter):
    import codecs

    from desktop_app.importers.attendance import read_table

    text = _csv(LIST, delimiter).replace("\n", line_end)
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # Excel's "Unicode Text" starts with a byte-order mark
        data = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + data
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    table = read_table(path)
    assert table.headers == LIST[0]
    assert [cells for _n, cells in table.rows] == LIST[1:]


def test_dry_run_lists_each_row_with_whom_it_matched_and_why(cli, tmp_path):
    import json

    event_id = cli.put("event", type="webinar", title="Webinar", start_date="2024-06-10", status="held")
    saparova = cli.put("person", full_name="Айгерим Нурлановна Сапарова")
    smith = cli.put("person", full_name="John Smith", email="john.smith@unodc.org")
    akhmetov = cli.put("person", full_name="Ержан Ахметов")
    path = tmp_path / "list.csv"
    path.write_text(
        "Name;Email\nAigerim Saparova;\nJ. Smith;John.Smith@unodc.org\nЕржан Ахметов;\nЕржан Ахметов;\nNew Person;\n",
        encoding="utf-8",
    )
    rows = json.loads(cli("import-attendance", event_id, path, "--dry-run", "--lang", "ru", check=True).stdout)["rows"]
    assert [(r["row"], r["status"], r.get("person_id"), r.get("match")) for r in rows] == [
        (2, "matched", saparova, "partial_name"),
        (3, "matched", smith, "email"),
        (4, "matched", akhmetov, "name"),
        (5, "rejoin", akhmetov, "name"),
        (6, "new", None, None),
    ]
    assert rows[0]["person"] == "Айгерим Нурлановна Сапарова"
    assert all(re.search("[а-я]", r["why"]) for r in rows), "the reasons are in the user's language"


def test_a_damaged_workbook_is_explained_in_the_users_language(desk, event, tmp_path):
    event_id, _saparova, _smith = event
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip at all")
    i18n.set_language("ru")
    with pytest.raises(InputError) as caught:
        import_attendance(desk, broken, event_id)
    assert re.search("[а-я]", str(caught.value)) and not re.search(r"\b(?:File|zip|not)\b", str(caught.value))
    with pytest.raises(InputError) as caught:
        import_attendance(desk, tmp_path / "missing.csv", event_id)
    assert "No such file" not in str(caught.value) and "нет такого файла" in str(caught.value)
