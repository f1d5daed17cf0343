"""SPEC §3 against an attacker: one test per attack class, each with the honest variant as a control.

Every installation here is real (its own database and Ed25519 key); forged files are signed with the
attacker's own genuine key, as a dishonest installation could do.
"""

from __future__ import annotations

import shutil
import zipfile

import pytest

from desktop_app.domain import hlc
from desktop_app.domain.changelog import canonical
from desktop_app.domain.desk import Desk
from desktop_app.errors import InputError, ValidationError
from desktop_app.sync import api
from desktop_app.sync import bundle as fmt
from tests.sync.conftest import Office

EVENT = {"type": "national_training", "title": "Тренинг", "start_date": "2025-03-01"}


@pytest.fixture
def world(tmp_path):
    """A secretariat, KZ with two laptops, UZ and TJ; each delegation has confirmed only the secretariat."""
    offices = {"unodc": Office(tmp_path, "unodc", "secretariat"),
               "kz": Office(tmp_path, "kz", "delegation", "KZ"), "kz2": Office(tmp_path, "kz2", "delegation", "KZ"),
               "uz": Office(tmp_path, "uz", "delegation", "UZ"), "tj": Office(tmp_path, "tj", "delegation", "TJ")}
    unodc = offices["unodc"]
    for name in ("kz", "kz2", "uz", "tj"):
        unodc.receive(*offices[name].send().paths, trust=[offices[name].desk.fingerprint])
    for name in ("kz", "kz2", "uz", "tj"):
        offices[name].receive(*unodc.send(offices[name]).paths, trust=[unodc.desk.fingerprint])
    yield offices
    for office in offices.values():
        office.desk.close()


def forged(office: Office, path, lines: list[dict], **header) -> str:
    """A bundle signed with ``office``'s genuine key, carrying whatever lines the attacker wrote."""
    me = office.desk.identity
    fields = {"device_id": me["device_id"], "device_name": me["device_name"], "role": me["role"],
              "country": me["country"], "public_key": fmt.b64(me["public_key"]), "to": None, "base": {},
              "audience": "everyone", "created_at": "2025-01-01T00:00:00+00:00", "vector": {}, **header}
    fmt.write_bundle(path, fields, [canonical(line) for line in lines], me["private_key"])
    return path


def line(device: str, seq: int, record: str, field: str, value, kind: str = "event", stamp: str | None = None):
    return {"device_id": device, "seq": seq, "hlc": stamp or hlc.encode(hlc.wall_clock_ms(), 0), "kind": kind,
            "record_id": record, "field": field, "value": value}


def test_first_contact_needs_a_person_or_the_secretariat(world, tmp_path):
    unodc, kz, uz = world["unodc"], world["kz"], world["uz"]
    stranger = Office(tmp_path, "stranger", "delegation", "TM")
    with pytest.raises(api.UntrustedSender) as refused:
        unodc.receive(*stranger.send().paths, trust=[])
    assert stranger.desk.fingerprint in str(refused.value) and "stranger" in str(refused.value)
    assert len(stranger.desk.fingerprint.replace(" ", "")) == 32
    # Control: confirmed by a person (in any case, without spaces) it is accepted.
    unodc.receive(*stranger.send().paths, trust=[stranger.desk.fingerprint.replace(" ", "").lower()])
    # UZ never met KZ, but trusts the secretariat that vouches for KZ.
    kz.desk.put("event", EVENT)
    uz.receive(*kz.send(uz, full=True).paths, trust=[])
    peer = next(p for p in api.peers(uz.desk) if p["device_id"] == kz.device_id)
    assert peer["vouched_by"] == unodc.device_id and peer["country"] == "KZ"
    stranger.desk.close()


def test_pinned_role_country_and_key_never_change(world, tmp_path):
    unodc, kz = world["unodc"], world["kz"]
    # Control: the pinned claims are accepted.
    unodc.receive(*kz.send().paths, trust=[])
    for claim in ({"country": "UZ"}, {"role": "secretariat", "country": None}):
        with pytest.raises(InputError, match="known here as delegation KZ"):
            unodc.receive(forged(kz, tmp_path / "claim.pdsync", [], **claim), trust=[])
    # Another key under KZ's device id: refused even when someone "confirms" it.
    impostor = Office(tmp_path, "impostor", "delegation", "KZ")
    with pytest.raises(InputError, match="different key"):
        unodc.receive(forged(impostor, tmp_path / "impostor.pdsync", [], device_id=kz.device_id),
                      trust=[impostor.desk.fingerprint])
    impostor.desk.close()


def test_a_delegation_relays_only_its_own_country(world, tmp_path):
    unodc, kz, kz2, uz = world["unodc"], world["kz"], world["kz2"], world["uz"]
    event = unodc.desk.put("event", EVENT)
    uz.receive(*unodc.send(uz).paths)
    next_seq = unodc.desk.vector()[unodc.device_id] + 1
    forgery = forged(uz, tmp_path / "relay.pdsync", [line(unodc.device_id, next_seq, event, "title", "Forged")])
    with pytest.raises(InputError, match="may not relay"):
        kz.receive(forgery)
    # Control: KZ's second laptop relays the first laptop's changes.
    kz_event = kz.desk.put("event", EVENT)
    kz2.receive(*kz.send(kz2).paths, trust=[kz.desk.fingerprint])
    summary = unodc.receive(*kz2.send(unodc, full=True).paths)
    assert summary["refused"] == [] and unodc.desk.get(kz_event)["title"] == EVENT["title"]


def test_lines_claiming_the_recipients_own_changes_are_refused(world, tmp_path):
    unodc, kz = world["unodc"], world["kz"]
    event = kz.desk.put("event", EVENT)
    unodc.receive(*kz.send().paths)
    forgery = forged(unodc, tmp_path / "brick.pdsync", [line(kz.device_id, 999, event, "title", "Forged")],
                     to=kz.device_id, audience="device")
    with pytest.raises(InputError, match="never made"):
        kz.receive(forgery)
    kz.desk.put("event", {"id": event, "title": "Still saving"})  # and saving still works
    # Control: the secretariat's bundle carrying KZ's own genuine changes back is fine.
    kz.receive(*unodc.send(kz, full=True).paths)
    assert kz.desk.get(event)["title"] == "Still saving"


def test_edits_without_authority_are_refused_everywhere(world, tmp_path):
    unodc, kz, uz = world["unodc"], world["kz"], world["uz"]
    event = kz.desk.put("event", EVENT)
    unodc.receive(*kz.send().paths)
    uz.receive(*unodc.send(uz).paths)
    with pytest.raises(ValidationError, match="belongs to KZ"):
        uz.desk.put("event", {"id": event, "title": "Taken over"})
    seq = uz.desk.vector().get(uz.device_id, 0) + 1
    forgery = forged(uz, tmp_path / "takeover.pdsync", [line(uz.device_id, seq, event, "sharing", "local")])
    summary = unodc.receive(forgery)
    assert [r["field"] for r in summary["refused"]] == ["sharing"] and unodc.desk.get(event)["sharing"] == "platform"
    # Control: once KZ names UZ among the parties, UZ may edit the title but still not the sharing.
    kz.desk.put("event", {"id": event, "parties": ["KZ", "UZ"]})
    unodc.receive(*kz.send().paths)
    uz.receive(*unodc.send(uz).paths)
    uz.desk.put("event", {"id": event, "title": "Edited by a party"})
    with pytest.raises(ValidationError):
        uz.desk.put("event", {"id": event, "sharing": "secretariat"})
    summary = unodc.receive(*uz.send().paths)
    assert unodc.desk.get(event)["title"] == "Edited by a party"


def test_an_edit_that_arrives_before_what_allows_it_applies_later(world):
    """Order of arrival never matters: a change held back applies once its prerequisite arrives."""
    unodc, kz, uz = world["unodc"], world["kz"], world["uz"]
    event = kz.desk.put("event", {**EVENT, "parties": ["KZ", "UZ"]})
    uz.receive(*kz.send(uz).paths, trust=[kz.desk.fingerprint])
    uz.desk.put("event", {"id": event, "outcomes": "Kelishildi"})
    summary = unodc.receive(*uz.send(unodc).paths)  # UZ's edit, before KZ's record reached the secretariat
    assert summary["refused"] and summary["refused"][0]["reason"] == "record_not_held_yet"
    unodc.receive(*kz.send(unodc).paths)
    assert unodc.desk.get(event)["outcomes"] == "Kelishildi"


def test_the_owner_receives_what_the_secretariat_changed(world):
    unodc, kz = world["unodc"], world["kz"]
    event = kz.desk.put("event", {**EVENT, "sharing": "secretariat"})
    unodc.receive(*kz.send().paths)
    unodc.desk.put("event", {"id": event, "organizer": "UNODC"})
    kz.receive(*unodc.send(kz).paths)
    assert kz.desk.get(event)["organizer"] == "UNODC"
    kz.desk.put("event", {"id": event, "city": "Астана"})
    unodc.receive(*kz.send().paths)
    assert kz.desk.get(event) == unodc.desk.get(event)


def test_widening_sends_current_values_only(world, tmp_path):
    unodc, uz = world["unodc"], world["uz"]
    event = unodc.desk.put("event", {**EVENT, "sharing": "secretariat", "title": "Confidential draft"})
    unodc.desk.put("event", {"id": event, "title": "Public title", "sharing": "platform"})
    for path in [*unodc.send(uz).paths, *unodc.send().paths]:
        with zipfile.ZipFile(path) as archive:
            assert b"Confidential draft" not in archive.read(fmt.PAYLOAD)
    uz.receive(*unodc.send(uz, full=True).paths)
    assert uz.desk.get(event)["title"] == "Public title"  # control: the current value arrives


def test_a_bundle_stands_on_its_own_for_its_recipient(world):
    unodc, uz = world["unodc"], world["uz"]
    conference = unodc.desk.put("event", {**EVENT, "type": "conference", "sharing": "secretariat"})
    meeting = unodc.desk.put("event", {**EVENT, "title": "Side event", "parent_id": conference})
    person = unodc.desk.put("person", {"full_name": "Ainur", "sharing": "secretariat"})
    visible = unodc.desk.put("person", {"full_name": "Dilnoza"})
    unodc.desk.put("participation", {"event_id": meeting, "person_id": person})
    unodc.desk.put("participation", {"event_id": meeting, "person_id": visible})
    uz.receive(*unodc.send(uz).paths)
    assert uz.desk.get(meeting)["parent_id"] is None  # the hidden parent is not referred to
    assert [p["person_id"] for p in uz.desk.list("participation")] == [visible]
    with pytest.raises(Exception):
        uz.desk.get(person)


def test_revocation_travels_and_refuses_the_lost_laptop(world):
    unodc, kz, kz2, uz = world["unodc"], world["kz"], world["kz2"], world["uz"]
    kz2.desk.put("event", EVENT)
    uz.receive(*kz2.send(uz).paths)  # control: vouched for by the secretariat, accepted
    api.revoke(unodc.desk, kz2.device_id)
    with pytest.raises(InputError, match="Only a secretariat"):
        api.revoke(uz.desk, kz.device_id)
    uz.receive(*unodc.send(uz).paths)
    assert next(p for p in api.peers(uz.desk) if p["device_id"] == kz2.device_id)["revoked"]
    kz2.desk.put("event", {**EVENT, "title": "From a stolen laptop"})
    with pytest.raises(InputError, match="revoked"):
        uz.receive(*kz2.send(uz, full=True).paths)
    api.forget(uz.desk, kz.device_id)  # forget un-pins: the next bundle is a first contact again
    with pytest.raises(api.UntrustedSender):
        uz.receive(*kz.send(uz, full=True).paths, trust=[])


def test_far_future_clock_is_refused_and_nothing_freezes_a_field(world, tmp_path, monkeypatch):
    unodc, kz = world["unodc"], world["kz"]
    event = unodc.desk.put("event", {**EVENT, "parties": ["KZ"]})
    kz.receive(*unodc.send(kz).paths)
    real = hlc.wall_clock_ms
    seq = kz.desk.vector().get(kz.device_id, 0)
    far = hlc.encode(real() + 60 * 86_400_000, 0)
    with pytest.raises(InputError, match="days ahead"):
        unodc.receive(forged(kz, tmp_path / "far.pdsync", [line(kz.device_id, seq + 1, event, "title", "Mine", stamp=far)]))
    # Control: two days ahead is accepted (with a warning) but does not freeze the title.
    near = hlc.encode(real() + 2 * 86_400_000, 0)
    summary = unodc.receive(forged(kz, tmp_path / "near.pdsync", [line(kz.device_id, seq + 1, event, "title", "Ahead",
                                                                    stamp=near)]))
    assert summary["clock_warnings"] and unodc.desk.get(event)["title"] == "Ahead"
    unodc.desk.put("event", {"id": event, "title": "Corrected"})
    kz.receive(*unodc.send(kz).paths)
    assert unodc.desk.get(event)["title"] == kz.desk.get(event)["title"] == "Corrected"


def test_clock_counter_never_overflows(world, monkeypatch):
    unodc, kz = world["unodc"], world["kz"]
    monkeypatch.setattr(hlc, "wall_clock_ms", lambda: 1_750_000_000_000)  # a clock that stands still
    event = kz.desk.put("event", EVENT)
    kz.desk.put_many(("event", {"id": event, "title": f"Edit {n}"}) for n in range(10_050))
    with kz.desk.engine.connect() as connection:
        stamp = connection.exec_driver_sql("SELECT max(hlc) FROM changes").scalar()
    assert hlc.decode(stamp)[0] > 1_750_000_000_000, "the counter carried into the milliseconds"
    unodc.receive(*kz.send().paths)
    assert unodc.desk.get(event)["title"] == "Edit 10049"


def test_a_copied_identity_is_named_not_skipped(world, tmp_path):
    unodc, kz = world["unodc"], world["kz"]
    kz.desk.put("event", EVENT)
    kz.desk.close()
    shutil.copy(kz.desk.path, tmp_path / "copy.db")
    kz.desk = Desk.open(kz.desk.path)
    copy = Desk.open(tmp_path / "copy.db")  # same machine: it keeps the identity
    assert copy.identity["device_id"] == kz.device_id
    kz.desk.put("event", {**EVENT, "title": "Original"})
    copy.put("event", {**EVENT, "title": "Copy"})
    unodc.receive(*kz.send().paths)
    out = tmp_path / "from-copy.pdsync"
    api.export_bundle(copy, out)
    summary = unodc.receive(out)
    assert summary["diverged"] == [{"device_id": kz.device_id, "changes": summary["diverged"][0]["changes"]}]
    assert any("copied database" in w for w in summary["warnings"])
    copy.close()
