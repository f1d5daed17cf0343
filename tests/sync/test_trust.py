"""SPEC §3 against an attacker: one test per attack class, each with the honest variant as a control.

Every installation here is real (its own database and Ed25519 key); forged files are signed with the
attacker's own genuine key, as a dishonest installation could do.
"""

from __future__ import annotations

import shutil
import zipfile

import pytest

from desktop_app.domain import hlc
from desktop_app.domain.desk import Desk
from desktop_app.errors import InputError, NotFoundError, ValidationError
from desktop_app.sync import api
from desktop_app.sync import bundle as fmt
from tests.sync import forge
from tests.sync.conftest import Office

EVENT = {"type": "national_training", "title": "Тренинг", "start_date": "2025-03-01"}


def forged(office: Office, path, lines: list[str] = (), heads: dict | None = None, **header) -> str:
    """A bundle signed with ``office``'s genuine key, carrying whatever lines and heads the attacker wrote."""
    return forge.signed_bundle(office.desk, path, list(lines), heads, **header)


def change(record: str, field: str, value, kind: str = "event", **extra) -> dict:
    return {"kind": kind, "record_id": record, "field": field, "value": value, **extra}


def held_back(office: Office) -> int:
    with office.desk.engine.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM held_back").scalar()


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
            unodc.receive(forged(kz, tmp_path / "claim.pdsync", **claim), trust=[])
    # Another key under KZ's device id: refused even when someone "confirms" it.
    impostor = Office(tmp_path, "impostor", "delegation", "KZ")
    with pytest.raises(InputError, match="different key"):
        unodc.receive(
            forged(impostor, tmp_path / "impostor.pdsync", device_id=kz.device_id), trust=[impostor.desk.fingerprint]
        )
    impostor.desk.close()


def test_lines_forged_in_anothers_name_are_refused_and_relays_carry_proof(world, tmp_path):
    """Attack "forged relay": UZ writes lines as the secretariat's next changes, with a head signed by
    UZ's own key. Nobody applies them, nothing waits, and the secretariat's real next change arrives."""
    unodc, kz, uz = world["unodc"], world["kz"], world["uz"]
    event = unodc.desk.put("event", EVENT)
    for office in (uz, kz):
        office.receive(*unodc.send(office).paths)
    lines, head = forge.log_lines(
        unodc.device_id,
        [change(event, "title", "Forged"), change(event, "deleted", True)],
        uz.desk.identity["private_key"],
        forge.log_end(uz.desk, unodc.device_id),
    )
    summary = kz.receive(
        forged(uz, tmp_path / "relay.pdsync", lines, {unodc.device_id: head}, to=kz.device_id, audience="device")
    )
    assert {r["reason"] for r in summary["refused"]} == {"not_proven"} and summary["diverged"] == []
    assert kz.desk.get(event)["title"] == EVENT["title"] and held_back(kz) == 0
    unodc.desk.put("event", {"id": event, "title": "Real next change"})
    summary = kz.receive(*unodc.send(kz).paths)
    assert summary["diverged"] == [] and kz.desk.get(event)["title"] == "Real next change"
    # Control: a delegation relays the secretariat's genuine lines to another one, with the head that proves them.
    uz.receive(*unodc.send(uz).paths)
    tj = world["tj"]
    summary = tj.receive(*uz.send(tj, full=True).paths, trust=[uz.desk.fingerprint])
    assert summary["refused"] == [] and tj.desk.get(event)["title"] == "Real next change"


def test_a_laptop_cannot_take_another_laptops_numbers(world, tmp_path):
    """Attack "same-country squat": KZ's second laptop sends lines numbered as the first one's next changes."""
    unodc, kz, kz2 = world["unodc"], world["kz"], world["kz2"]
    event = kz.desk.put("event", EVENT)
    unodc.receive(*kz.send().paths)
    lines, head = forge.log_lines(
        kz.device_id, [change(event, "title", "Squatted")], kz2.desk.identity["private_key"], forge.log_end(kz.desk)
    )
    summary = unodc.receive(forged(kz2, tmp_path / "squat.pdsync", lines, {kz.device_id: head}))
    assert [r["reason"] for r in summary["refused"]] == ["not_proven"] and summary["diverged"] == []
    # Control: the first laptop's real next meeting arrives everywhere, and is not taken for a copy.
    meeting = kz.desk.put("event", {**EVENT, "title": "Next meeting"})
    summary = unodc.receive(*kz.send().paths)
    assert summary["diverged"] == [] and unodc.desk.get(meeting)["title"] == "Next meeting"


def test_an_owner_claim_is_checked_from_the_record_id(world, tmp_path):
    """Attack "forged owner claim": UZ claims a KZ record (and a made-up one) for itself, in its own log."""
    unodc, kz, uz, tj = world["unodc"], world["kz"], world["uz"], world["tj"]
    event = kz.desk.put("event", {**EVENT, "sharing": "platform"})
    lines, head = forge.own_lines(
        uz.desk, [change(event, "owner", "UZ"), change(event, "title", "Ours now"), change(event, "deleted", True)]
    )
    forgery = forged(uz, tmp_path / "owner.pdsync", lines, {uz.device_id: head})
    for office in (unodc, tj):  # neither holds the record yet: the claim is judged from the id alone
        summary = office.receive(forgery, trust=[uz.desk.fingerprint])
        assert {r["field"] for r in summary["refused"]} >= {"owner"}, summary["refused"]
    for office in (unodc, tj):
        office.receive(*kz.send(office, full=True).paths, trust=[kz.desk.fingerprint])
        record = office.desk.get(event)  # control: the creator's own claim stands, whatever arrived first
        assert record["title"] == EVENT["title"]
    with unodc.desk.engine.connect() as connection, tj.desk.engine.connect() as other:
        owners = [
            c.exec_driver_sql("SELECT owner FROM events WHERE id = ?", (event,)).scalar() for c in (connection, other)
        ]
    assert owners == ["KZ", "KZ"]


@pytest.mark.parametrize("second_claim", [True, False])
def test_a_second_owner_claim_leaves_its_record_unmade_and_the_rest_importing(world, second_claim):
    """Attack found by the long property run: KZ's laptop writes a second ``owner`` line for its own event, so
    its files carry that claim instead of the creation's. The claim is refused and the event is not made; its
    participant waits for it instead of failing the whole file, and the file's other records arrive."""
    unodc, kz = world["unodc"], world["kz"]
    event = kz.desk.put("event", {**EVENT, "sharing": "platform"})
    person = kz.desk.put("person", {"full_name": "Айгерим"})
    kz.desk.put("participation", {"event_id": event, "person_id": person})
    webinar = kz.desk.put("event", {**EVENT, "title": "Вебинар"})
    if second_claim:
        forge.append_to_own_log(kz.desk, [change(event, "owner", "KZ")])
    summary = unodc.receive(*kz.send().paths)
    assert unodc.desk.get(webinar)["title"] == "Вебинар"
    if second_claim:
        assert "owner" in {r["field"] for r in summary["refused"]}
        assert [e["id"] for e in unodc.desk.list("event")] == [webinar]
        assert unodc.desk.list("participation") == [] and held_back(unodc) > 0
    else:  # control: the honest file brings everything
        assert summary["refused"] == [] and len(unodc.desk.list("participation")) == 1


def test_lines_claiming_the_recipients_own_changes_are_refused(world, tmp_path):
    unodc, kz = world["unodc"], world["kz"]
    event = kz.desk.put("event", EVENT)
    unodc.receive(*kz.send().paths)
    lines, head = forge.log_lines(
        kz.device_id, [change(event, "title", "Forged")], unodc.desk.identity["private_key"], forge.log_end(kz.desk)
    )
    summary = kz.receive(
        forged(unodc, tmp_path / "brick.pdsync", lines, {kz.device_id: head}, to=kz.device_id, audience="device")
    )
    assert [r["reason"] for r in summary["refused"]] == ["not_proven"]
    kz.desk.put("event", {"id": event, "title": "Still saving"})  # and saving still works
    # Control: the secretariat's bundle carrying KZ's own genuine changes back is fine.
    kz.receive(*unodc.send(kz, full=True).paths)
    assert kz.desk.get(event)["title"] == "Still saving"
    unodc.receive(*kz.send().paths)
    assert unodc.desk.get(event)["title"] == "Still saving"


def test_edits_without_authority_are_refused_everywhere(world, tmp_path):
    unodc, kz, uz = world["unodc"], world["kz"], world["uz"]
    event = kz.desk.put("event", EVENT)
    unodc.receive(*kz.send().paths)
    uz.receive(*unodc.send(uz).paths)
    with pytest.raises(ValidationError, match="belongs to KZ"):
        uz.desk.put("event", {"id": event, "title": "Taken over"})
    # Control: once KZ names UZ among the parties, UZ may edit the title but still not the sharing.
    kz.desk.put("event", {"id": event, "parties": ["KZ", "UZ"]})
    unodc.receive(*kz.send().paths)
    uz.receive(*unodc.send(uz).paths)
    uz.desk.put("event", {"id": event, "title": "Edited by a party"})
    with pytest.raises(ValidationError):
        uz.desk.put("event", {"id": event, "sharing": "secretariat"})
    unodc.receive(*uz.send().paths)
    assert unodc.desk.get(event)["title"] == "Edited by a party"
    # The attack: UZ writes the sharing change into its own log anyway (the local rule skipped).
    lines, head = forge.own_lines(uz.desk, [change(event, "sharing", "local")])
    summary = unodc.receive(forged(uz, tmp_path / "takeover.pdsync", lines, {uz.device_id: head}))
    assert [r["field"] for r in summary["refused"]] == ["sharing"] and unodc.desk.get(event)["sharing"] == "platform"


def test_an_edit_that_arrives_before_what_allows_it_applies_later(world):
    """Order of arrival never matters: a change held back applies once its prerequisite arrives."""
    unodc, kz, uz = world["unodc"], world["kz"], world["uz"]
    event = kz.desk.put("event", {**EVENT, "parties": ["KZ", "UZ"], "sharing": "parties"})
    uz.receive(*kz.send(uz).paths, trust=[kz.desk.fingerprint])
    uz.desk.put("event", {"id": event, "outcomes": "Kelishildi"})
    tj = world["tj"]  # TJ may not see the event: UZ's bundle for it holds the edit, never the record
    tj.receive(*uz.send(tj, full=True).paths, trust=[uz.desk.fingerprint])
    with pytest.raises(NotFoundError):
        tj.desk.get(event)
    # The secretariat gets UZ's edit together with KZ's record, relayed and proven by KZ's head.
    summary = unodc.receive(*uz.send(unodc).paths)
    assert summary["refused"] == [] and unodc.desk.get(event)["outcomes"] == "Kelishildi"


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
    with pytest.raises(NotFoundError):
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
    far = hlc.encode(real() + 60 * 86_400_000, 0)
    lines, head = forge.own_lines(kz.desk, [change(event, "title", "Mine", hlc=far)])
    with pytest.raises(InputError, match="days ahead"):
        unodc.receive(forged(kz, tmp_path / "far.pdsync", lines, {kz.device_id: head}))
    # Control: two days ahead is accepted (with a warning) but does not freeze the title.
    near = hlc.encode(real() + 2 * 86_400_000, 0)
    lines, head = forge.own_lines(kz.desk, [change(event, "title", "Ahead", hlc=near)])
    summary = unodc.receive(forged(kz, tmp_path / "near.pdsync", lines, {kz.device_id: head}))
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
    assert any(
        "copied database" in w and f"The secretariat should revoke that installation (revoke {kz.device_id})" in w
        for w in summary["warnings"]
    )
    copy.close()


def test_a_revocation_cuts_at_its_seq_also_what_was_applied_before_it_arrived(world):
    """Attack "revocation races": a stolen laptop's changes that reached UZ before the revocation."""
    unodc, kz2, uz = world["unodc"], world["kz2"], world["uz"]
    before = kz2.desk.put("event", {**EVENT, "title": "Before the theft"})
    unodc.receive(*kz2.send().paths)
    uz.receive(*unodc.send(uz).paths)
    kz2.desk.delete(before)  # the thief deletes and invents, and sends it to UZ directly
    stolen = kz2.desk.put("event", {**EVENT, "title": "From a stolen laptop"})
    uz.receive(*kz2.send(uz).paths)
    assert uz.desk.get(stolen)["title"] == "From a stolen laptop"
    api.revoke(unodc.desk, kz2.device_id)  # the secretariat held nothing after "Before the theft"
    uz.receive(*unodc.send(uz).paths)
    assert uz.desk.get(before)["title"] == "Before the theft"  # control: what came before the cut stays
    with pytest.raises(NotFoundError):
        uz.desk.get(stolen)
    with uz.desk.engine.connect() as connection:
        assert not connection.exec_driver_sql("SELECT count(*) FROM changes WHERE record_id = ?", (stolen,)).scalar()


@pytest.mark.parametrize("edited_by_a_party", [True, False])
def test_a_record_made_after_the_cut_goes_even_where_a_party_edited_it(world, edited_by_a_party):
    """Found by the long property run: UZ, a party, edited an event of the stolen laptop before the revocation
    reached it. The event goes; UZ's edit stays in UZ's log but makes no record of its own."""
    unodc, kz2, uz = world["unodc"], world["kz2"], world["uz"]
    api.revoke(unodc.desk, kz2.device_id)
    stolen = kz2.desk.put("event", {**EVENT, "parties": ["UZ"], "sharing": "parties"})
    uz.receive(*kz2.send(uz).paths)
    if edited_by_a_party:
        uz.desk.put("event", {"id": stolen, "status": "held"})
    uz.receive(*unodc.send(uz).paths)
    with pytest.raises(NotFoundError):
        uz.desk.get(stolen)
    assert uz.dump() == []
    unodc.receive(*uz.send().paths)  # the secretariat never had it, and still has not
    assert unodc.dump() == []


def test_only_the_root_secretariat_vouches_for_or_revokes_a_secretariat(world, tmp_path):
    """Attack: a second secretariat laptop revokes the root."""
    unodc, kz2, uz = world["unodc"], world["kz2"], world["uz"]
    second = Office(tmp_path, "unodc-2", "secretariat")
    unodc.receive(*second.send(unodc).paths, trust=[second.desk.fingerprint])
    second.receive(*unodc.send(second, full=True).paths, trust=[unodc.desk.fingerprint])
    uz.receive(*unodc.send(uz).paths)  # the root vouches for its second laptop
    with pytest.raises(InputError, match="root"):
        api.revoke(second.desk, unodc.device_id)
    registry = {
        "trusted": [],
        "revoked": [
            {
                "device_id": unodc.device_id,
                "device_name": "unodc",
                "role": "secretariat",
                "country": None,
                "public_key": fmt.b64(unodc.desk.identity["public_key"]),
                "seq": 0,
            }
        ],
    }
    path = tmp_path / "coup.pdsync"
    fmt.write_bundle(
        path,
        forge.header(second.desk, to=uz.device_id, audience="device"),
        [],
        second.desk.identity["private_key"],
        registry=registry,
    )
    uz.receive(path)
    assert not next(p for p in api.peers(uz.desk) if p["device_id"] == unodc.device_id)["revoked"]
    uz.receive(*unodc.send(uz).paths)  # the root's files still import
    # Control: the second laptop may revoke a delegation, and UZ follows it.
    api.revoke(second.desk, kz2.device_id)
    uz.receive(*second.send(uz).paths)
    assert next(p for p in api.peers(uz.desk) if p["device_id"] == kz2.device_id)["revoked"]
    second.desk.close()


def test_a_copy_on_another_computer_hands_on_the_originals_lines_proven(world, tmp_path, monkeypatch):
    """A laptop restored from the office PC's file: a new installation that still relays what the file held."""
    unodc, kz = world["unodc"], world["kz"]
    event = kz.desk.put("event", {**EVENT, "title": "Made on the office PC"})
    kz.desk.close()
    shutil.copy(kz.desk.path, tmp_path / "laptop.db")
    kz.desk = Desk.open(kz.desk.path)
    monkeypatch.setenv("PLATFORM_DESK_MACHINE_ID", "another-laptop")
    laptop = Desk.open(tmp_path / "laptop.db")
    try:
        assert laptop.identity["copied_from"] == kz.device_id
        out = tmp_path / "from-laptop.pdsync"
        api.export_bundle(laptop, out)
        summary = unodc.receive(out, trust=[laptop.fingerprint])
        assert summary["refused"] == [] and unodc.desk.get(event)["title"] == "Made on the office PC"
    finally:
        laptop.close()
