"""SPEC §2 "Text in several languages": ``FIELD@LANG`` variants are fields of their own everywhere."""

from __future__ import annotations

import json

import pytest

from desktop_app.domain.variants import localized
from desktop_app.errors import ValidationError
from desktop_app.sync import api

EVENT = {"type": "webinar", "title": "Webinar on asset recovery", "start_date": "2025-03-01", "parties": ["KZ", "UZ"]}


def test_put_get_list_dump_carry_variants_and_clearing_removes_one(cli):
    event = cli.put("event", **EVENT, **{"title@ru": "Вебинар по возвращению активов", "city@kk": "Астана"})
    record = json.loads(cli("get", event, check=True).stdout)
    assert record["title@ru"] == "Вебинар по возвращению активов" and record["city@kk"] == "Астана"
    cli("put", "event", "--json", json.dumps({"id": event, "title@ru": None}), check=True)
    (listed,) = json.loads(cli("list", "event", "--json", check=True).stdout)
    assert "title@ru" not in listed and listed["city@kk"] == "Астана"
    (line,) = [json.loads(text) for text in cli.dump().splitlines() if event in text]
    assert line["city@kk"] == "Астана" and "title@ru" not in line
    assert list(line) == sorted(line), "the dump line stays canonical (keys sorted)"


@pytest.mark.parametrize(
    "values, field",
    [
        ({"title@ru": "т" * 301}, "title@ru"),  # the base field's length
        ({"title@xx": "?"}, "title@xx"),  # not one of the seven languages
        ({"type@ru": "вебинар"}, "type@ru"),  # not a text field
        ({"title@ru": 5}, "title@ru"),
    ],
)
def test_a_variant_is_validated_like_its_base_field(cli, values, field):
    result = cli("put", "event", "--json", json.dumps({**EVENT, **values}))
    assert result.returncode == 2 and result.stderr.startswith(f"platform-desk: {field}:")
    assert json.loads(cli("list", "event", "--json", check=True).stdout) == []


def test_a_variant_is_never_required_and_person_and_action_have_theirs(desk):
    event = desk.put("event", EVENT)
    person = desk.put(
        "person", {"full_name": "Azamat Isakov", "full_name@ru": "Азамат Исаков", "organization@ky": "Улуттук агенттик"}
    )
    action = desk.put("action", {"event_id": event, "description": "Share the manual", "responsible@ru": "Секретариат"})
    assert desk.get(person)["full_name@ru"] == "Азамат Исаков"
    assert desk.get(action)["responsible@ru"] == "Секретариат"
    with pytest.raises(ValidationError):
        desk.put("person", {"full_name@ru": "Без имени"})  # the base field stays required


def test_localized_prefers_the_language_then_falls_back():
    record = {"title": "Webinar", "title@ru": "Вебинар"}
    assert localized(record, "title", "ru") == "Вебинар"
    assert localized(record, "title", "kk") == "Webinar"


def test_two_translators_into_two_languages_both_keep_their_work(offices):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    event = kz.desk.put("event", EVENT)
    unodc.receive(*kz.send().paths)
    uz.receive(*unodc.send().paths)
    kz.desk.put("event", {"id": event, "title@kk": "Активтерді қайтару вебинары", "title@ru": "Вебинар (KZ)"})
    uz.desk.put("event", {"id": event, "title@uz": "Aktivlarni qaytarish vebinari", "title@ru": "Вебинар (UZ)"})
    unodc.receive(*kz.send().paths)
    unodc.receive(*uz.send().paths)
    record = unodc.desk.get(event)
    assert record["title@kk"] == "Активтерді қайтару вебинары"
    assert record["title@uz"] == "Aktivlarni qaytarish vebinari"
    (conflict,) = api.list_conflicts(unodc.desk)
    assert conflict["field"] == "title@ru", "the same variant edited twice is a conflict of that variant only"
    loser = json.loads(conflict["loser_value"]) if conflict["loser_value"].startswith('"') else conflict["loser_value"]
    api.resolve_conflict(unodc.desk, conflict["id"], restore=True)
    assert unodc.desk.get(event)["title@ru"] == loser
    kz.receive(*unodc.send().paths)
    assert kz.dump() == unodc.dump()
