"""The domain layer: records of SPEC §2 are validated, and every write is in the change log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desktop_app.errors import NotFoundError, ValidationError
from desktop_app.storage.models import Change

WEBINAR = {"type": "webinar", "title": "Вебинар по возврату активов", "start_date": "2025-03-01"}


def change_count(desk) -> int:
    with desk.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Change)).scalar()


def test_create_fills_defaults_and_logs_every_field(desk):
    event_id = desk.put("event", WEBINAR)
    event = desk.get(event_id)
    assert event["kind"] == "event" and event["title"] == WEBINAR["title"]
    assert event["end_date"] == "2025-03-01" and event["status"] == "planned" and event["sharing"] == "platform"
    with desk.engine.connect() as connection:
        fields = set(connection.execute(select(Change.field).where(Change.record_id == event_id)).scalars())
    assert fields == {
        "owner",
        "type",
        "title",
        "start_date",
        "end_date",
        "status",
        "sharing",
        "parties",
        "thematic_areas",
    }


def test_update_logs_only_what_changed(desk):
    event_id = desk.put("event", WEBINAR)
    before = change_count(desk)
    desk.put("event", {"id": event_id, "title": WEBINAR["title"]})
    assert change_count(desk) == before, "setting a field to its own value records nothing"
    desk.put("event", {"id": event_id, "city": "Бишкек", "title": WEBINAR["title"]})
    assert change_count(desk) == before + 1
    assert desk.get(event_id)["city"] == "Бишкек"


def test_moving_a_one_day_event_moves_its_end(desk):
    event_id = desk.put("event", WEBINAR)
    desk.put("event", {"id": event_id, "start_date": "2025-04-02"})
    assert desk.get(event_id)["end_date"] == "2025-04-02"


def test_text_is_kept_as_typed_and_trimmed(desk):
    person = desk.put("person", {"full_name": "  Dilnoza Rustamovna Oʻrinboyeva ", "country": "uz"})
    record = desk.get(person)
    assert record["full_name"] == "Dilnoza Rustamovna Oʻrinboyeva" and record["country"] == "UZ"
    assert record["gender"] == "unspecified"


@pytest.mark.parametrize(
    "values, field",
    [
        ({"title": "x", "start_date": "2025-01-01"}, "type"),
        ({**WEBINAR, "type": "party"}, "type"),
        ({**WEBINAR, "title": "   "}, "title"),
        ({**WEBINAR, "title": "x" * 301}, "title"),
        ({**WEBINAR, "start_date": "01.03.2025"}, "start_date"),
        ({**WEBINAR, "end_date": "2025-02-28"}, "end_date"),
        ({**WEBINAR, "participants_total": 10, "participants_women": 6, "participants_men": 5}, "participants_total"),
        ({**WEBINAR, "participants_total": -1}, "participants_total"),
        ({**WEBINAR, "participants_total": "12"}, "participants_total"),
        ({**WEBINAR, "country": "XX"}, "country"),
        ({**WEBINAR, "parties": "KZ"}, "parties"),
        ({**WEBINAR, "thematic_areas": ["tax"]}, "thematic_areas"),
        ({**WEBINAR, "parent_id": "no-such-event"}, "parent_id"),
        ({**WEBINAR, "colour": "red"}, "colour"),
        ({**WEBINAR, "type": "bilateral_meeting", "parties": ["KZ"]}, "parties"),
    ],
)
def test_invalid_event_is_refused_naming_the_field(desk, values, field):
    with pytest.raises(ValidationError) as raised:
        desk.put("event", values)
    assert raised.value.field == field
    assert change_count(desk) == 0


def test_participation_rules(desk):
    event = desk.put("event", WEBINAR)
    person = desk.put("person", {"full_name": "Нургуль Токтогулова"})
    desk.put("participation", {"event_id": event, "person_id": person, "role": "speaker"})
    with pytest.raises(ValidationError, match="already"):
        desk.put("participation", {"event_id": event, "person_id": person})
    with pytest.raises(ValidationError) as raised:
        desk.put("participation", {"event_id": event, "person_id": "missing"})
    assert raised.value.field == "person_id"


def test_event_cannot_be_held_within_itself(desk):
    outer = desk.put("event", {**WEBINAR, "type": "conference"})
    inner = desk.put("event", {**WEBINAR, "parent_id": outer})
    with pytest.raises(ValidationError, match="within itself"):
        desk.put("event", {"id": outer, "parent_id": inner})


def test_delete_takes_dependants_and_is_logged(desk):
    conference = desk.put("event", {**WEBINAR, "type": "conference"})
    meeting = desk.put(
        "event", {**WEBINAR, "type": "bilateral_meeting", "parties": ["KZ", "UZ"], "parent_id": conference}
    )
    person = desk.put("person", {"full_name": "Ержан Ахметов"})
    desk.put("participation", {"event_id": conference, "person_id": person})
    desk.put("action", {"event_id": conference, "description": "Send the minutes"})
    desk.delete(conference)
    with pytest.raises(NotFoundError):
        desk.get(conference)
    assert desk.list("participation") == [] and desk.list("action") == []
    assert desk.get(meeting)["parent_id"] is None
    assert [p["id"] for p in desk.list("person")] == [person]
    with pytest.raises(NotFoundError):
        desk.delete(conference)
    with pytest.raises(NotFoundError):
        desk.put("event", {"id": conference, "title": "back"})


def test_dump_is_canonical_and_stable(desk):
    desk.put("event", WEBINAR)
    desk.put("person", {"full_name": "Gʻayrat Toshmatov"})
    first = list(desk.dump())
    assert first == list(desk.dump())
    assert [line.split('"kind":"')[1].split('"')[0] for line in first] == ["event", "person"]
    assert "Gʻayrat" in first[1]
