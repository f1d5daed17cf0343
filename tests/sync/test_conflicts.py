"""SPEC §4.3–4.4: concurrent edits merge per field; losing values and edits of deleted records are kept
as conflicts that can be restored; a clock far ahead is reported and does not drag ours along."""

from __future__ import annotations

import json

from desktop_app.domain import hlc
from desktop_app.sync import api

EVENT = {"type": "webinar", "title": "Вебинар", "start_date": "2025-03-01", "parties": ["KZ", "UZ"]}  # both may edit


def shared_event(kz, uz, unodc):
    event = kz.desk.put("event", EVENT)
    unodc.receive(*kz.send().paths)
    uz.receive(*unodc.send().paths)
    unodc.receive(*uz.send().paths)
    return event


def test_different_fields_both_survive_same_field_keeps_the_loser(offices):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    event = shared_event(kz, uz, unodc)
    kz.desk.put("event", {"id": event, "city": "Астана", "outcomes": "Келісілді"})
    uz.desk.put("event", {"id": event, "venue": "Hilton", "outcomes": "Kelishildi"})
    unodc.receive(*kz.send().paths)
    summary = unodc.receive(*uz.send().paths)
    assert summary["conflicts"] == 1
    record = unodc.desk.get(event)
    assert record["city"] == "Астана" and record["venue"] == "Hilton"
    assert record["outcomes"] == "Kelishildi", "the later change wins"
    (conflict,) = api.list_conflicts(unodc.desk)
    assert conflict["field"] == "outcomes" and conflict["loser_value"] == "Келісілді"
    assert conflict["loser_device"] == kz.device_id and conflict["winner_device"] == uz.device_id

    api.resolve_conflict(unodc.desk, conflict["id"], restore=True)
    assert unodc.desk.get(event)["outcomes"] == "Келісілді"
    assert api.list_conflicts(unodc.desk) == []
    for office in (kz, uz):
        office.receive(*unodc.send(office).paths)
        assert office.desk.get(event)["outcomes"] == "Келісілді", "a restore syncs like any change"


def test_identical_concurrent_values_are_not_conflicts(offices):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    event = shared_event(kz, uz, unodc)
    kz.desk.put("event", {"id": event, "status": "held"})
    uz.desk.put("event", {"id": event, "status": "held"})
    unodc.receive(*kz.send().paths)
    assert unodc.receive(*uz.send().paths)["conflicts"] == 0


def test_edit_concurrent_with_delete_stays_deleted_and_can_be_restored(offices):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    event = shared_event(kz, uz, unodc)
    uz.desk.put("event", {"id": event, "outcomes": "Written after the meeting"})
    kz.desk.delete(event)
    unodc.receive(*uz.send().paths)
    summary = unodc.receive(*kz.send().paths)
    assert summary["conflicts"] >= 1
    assert all(json.loads(line)["id"] != event for line in unodc.dump()), "stays deleted"
    conflict = next(c for c in api.list_conflicts(unodc.desk) if c["field"] == "outcomes")
    assert conflict["winner_value"] is True and conflict["loser_value"] == "Written after the meeting"
    api.resolve_conflict(unodc.desk, conflict["id"], restore=True)
    restored = unodc.desk.get(event)
    assert restored["outcomes"] == "Written after the meeting" and restored["title"] == "Вебинар"


def test_delete_after_seeing_an_edit_is_no_conflict(offices):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    event = shared_event(kz, uz, unodc)
    uz.desk.put("event", {"id": event, "city": "Samarkand"})
    unodc.receive(*uz.send().paths)
    kz.receive(*unodc.send(kz).paths)
    kz.desk.delete(event)
    assert unodc.receive(*kz.send().paths)["conflicts"] == 0


def test_keep_settles_without_changing_the_value(offices):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    event = shared_event(kz, uz, unodc)
    kz.desk.put("event", {"id": event, "title": "A"})
    uz.desk.put("event", {"id": event, "title": "B"})
    unodc.receive(*kz.send().paths, *uz.send().paths)
    (conflict,) = api.list_conflicts(unodc.desk)
    api.resolve_conflict(unodc.desk, conflict["id"], restore=False)
    assert unodc.desk.get(event)["title"] == "B" and api.list_conflicts(unodc.desk) == []
    assert api.list_conflicts(unodc.desk, include_settled=True)[0]["status"] == "kept"


def test_clock_days_ahead_is_reported_and_bounded(offices, monkeypatch):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    event = shared_event(kz, uz, unodc)
    real = hlc.wall_clock_ms
    week = 7 * 24 * 3600 * 1000
    monkeypatch.setattr(hlc, "wall_clock_ms", lambda: real() + week)
    kz.desk.put("event", {"id": event, "title": "From the future"})
    future_bundle = kz.send().paths[0]
    monkeypatch.setattr(hlc, "wall_clock_ms", real)
    summary = unodc.receive(future_bundle)
    assert summary["clock_warnings"] and unodc.desk.get(event)["title"] == "From the future", "nothing dropped"
    unodc.desk.put("person", {"full_name": "Next local change"})
    with unodc.desk.engine.connect() as connection:
        clock = connection.exec_driver_sql("SELECT clock FROM installation").scalar()
    assert hlc.decode(clock)[0] <= real() + hlc.MAX_SKEW_MS + 1000, "our clock moved at most a day ahead"
