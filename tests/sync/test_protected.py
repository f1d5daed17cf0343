"""SPEC §3 Authority, attack “moving a dependant widens it”: a party may edit a participation, action or
attachment of its event, but not move it (``event_id``/``person_id``) — locally or in a crafted bundle — while
the owner still may."""

from __future__ import annotations

import zipfile

import pytest

from desktop_app import i18n
from desktop_app.domain.attachments import add_attachment
from desktop_app.errors import ValidationError
from desktop_app.sync import bundle as fmt
from tests.sync.conftest import Office
from tests.sync.crafted import change, crafted, next_seq


@pytest.fixture
def meeting(tmp_path):
    """A UZ–TJ meeting shared with its parties, with a participant (and e-mail), an action and minutes."""
    unodc = Office(tmp_path, "unodc", "secretariat")
    uz, tj, kz = (Office(tmp_path, name, "delegation", name.upper()) for name in ("uz", "tj", "kz"))
    for office in (uz, tj, kz):
        unodc.receive(*office.send().paths)
        office.receive(*unodc.send(office).paths)
    event = uz.desk.put(
        "event",
        {
            "type": "bilateral_meeting",
            "title": "UZ–TJ",
            "start_date": "2025-04-01",
            "parties": ["TJ", "UZ"],
            "sharing": "parties",
        },
    )
    person = uz.desk.put("person", {"full_name": "Dilnoza", "email": "dilnoza@example.uz"})
    uz.desk.put("participation", {"event_id": event, "person_id": person})
    action = uz.desk.put("action", {"event_id": event, "description": "Exchange the draft law"})
    minutes = tmp_path / "minutes.txt"
    minutes.write_text("Confidential minutes of the UZ–TJ meeting")
    attachment = add_attachment(uz.desk, event, minutes)
    platform = tj.desk.put("event", {"type": "webinar", "title": "Open webinar", "start_date": "2025-05-01"})
    unodc.receive(*uz.send().paths)
    unodc.receive(*tj.send().paths)
    tj.receive(*unodc.send(tj).paths)
    yield {
        "unodc": unodc,
        "uz": uz,
        "tj": tj,
        "kz": kz,
        "event": event,
        "person": person,
        "action": action,
        "attachment": attachment,
        "platform": platform,
    }
    for office in (unodc, uz, tj, kz):
        office.desk.close()


def _dependants(office: Office, event: str) -> list[tuple[str, str]]:
    return sorted(
        (kind, row["id"])
        for kind in ("participation", "action", "attachment")
        for row in office.desk.list(kind)
        if row["event_id"] == event
    )


def test_a_party_may_not_move_a_dependant_locally(meeting):
    tj, action, platform = meeting["tj"], meeting["action"], meeting["platform"]
    with pytest.raises(ValidationError, match="belongs to UZ"):
        tj.desk.put("action", {"id": action, "event_id": platform})
    i18n.set_language("ru")
    with pytest.raises(ValidationError) as refused:
        tj.desk.put("attachment", {"id": meeting["attachment"], "event_id": platform})
    assert "UZ" in str(refused.value) and "belongs" not in str(refused.value)  # said in Russian
    i18n.set_language("en")
    tj.desk.put("action", {"id": action, "status": "done"})  # control: a party edits its other fields
    assert tj.desk.get(action)["status"] == "done"


def test_a_crafted_move_is_refused_everywhere_and_reveals_nothing(meeting, tmp_path):
    unodc, uz, tj, kz = meeting["unodc"], meeting["uz"], meeting["tj"], meeting["kz"]
    event, platform = meeting["event"], meeting["platform"]
    held = _dependants(unodc, event)
    assert len(held) == 3
    seq = next_seq(tj)
    moves = [change(tj, seq + i, record, "event_id", platform, kind=kind) for i, (kind, record) in enumerate(held)]
    summary = unodc.receive(crafted(tj, tmp_path / "move.pdsync", moves))
    assert sorted((r["field"], r["reason"]) for r in summary["refused"]) == [("event_id", "no_authority")] * 3
    assert _dependants(unodc, event) == held
    for path in unodc.send().paths:  # the bundle for everyone
        with zipfile.ZipFile(path) as archive:
            payload = archive.read(fmt.PAYLOAD)
        assert b"dilnoza@example.uz" not in payload and meeting["attachment"].encode() not in payload
    kz.receive(*unodc.send(kz).paths)
    assert kz.desk.list("attachment") == [] and kz.desk.list("action") == []
    # Control: the owner may move its own action, and that arrives.
    uz.receive(*unodc.send(uz).paths)
    uz.desk.put("action", {"id": meeting["action"], "event_id": meeting["platform"]})
    unodc.receive(*uz.send().paths)
    assert unodc.desk.get(meeting["action"])["event_id"] == platform
