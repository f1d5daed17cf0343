"""Bundles as files: incremental, encrypted, split, signed; sharing decides what goes in (SPEC §4, §4.1)."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest

from desktop_app.errors import InputError
from desktop_app.sync import api


def manifest(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def introduce(secretariat, *delegations):
    """A first exchange each way between the secretariat and each delegation."""
    for office in delegations:
        secretariat.receive(*office.send().paths)
        office.receive(*secretariat.send(office).paths)


def titles(office):
    return sorted(e["title"] for e in office.desk.list("event"))


def test_incremental_bundle_holds_only_what_is_new(offices):
    kz, unodc = offices["kz"], offices["unodc"]
    ids = kz.desk.put_many(
        ("event", {"type": "webinar", "title": f"Webinar {n}", "start_date": "2025-03-01"}) for n in range(300)
    )
    unodc.receive(*kz.send().paths)
    kz.receive(*unodc.send(kz).paths)  # the secretariat's knowledge reaches the delegation
    small_before = None
    for round_number in range(2):
        kz.desk.put("event", {"id": ids[round_number], "city": "Astana", "outcomes": f"Round {round_number}"})
        bundle = kz.send(unodc).paths[0]
        assert manifest(bundle)["change_count"] == 2, "exactly the two fields edited"
        if small_before is not None:
            assert abs(bundle.stat().st_size - small_before) < 200, "size does not grow with the database"
        small_before = bundle.stat().st_size
        summary = unodc.receive(bundle)
        assert summary["updated"] == 1 and summary["new"] == 0
        kz.receive(*unodc.send(kz).paths)
    assert small_before < 3000
    assert manifest(kz.send(unodc, full=True).paths[0])["change_count"] > 300 * 8


def test_relay_through_the_secretariat_and_idempotence(offices):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    kz.desk.put(
        "event", {"type": "bilateral_meeting", "title": "KZ–UZ", "start_date": "2024-10-30", "parties": ["KZ", "UZ"]}
    )
    unodc.receive(*kz.send().paths)
    relay = unodc.send().paths[0]
    first = uz.receive(relay)
    assert first["new"] == 1 and titles(uz) == ["KZ–UZ"]
    again = uz.receive(relay)
    assert again["new"] == again["updated"] == 0 and "Already imported" in again["message"]
    assert uz.dump() == kz.dump()
    dry = uz.receive(unodc.send(full=True).paths[0], dry_run=True)
    assert dry["dry_run"] and dry["skipped"] > 0 and dry["new"] == 0


def test_dry_run_changes_nothing(offices):
    kz, unodc = offices["kz"], offices["unodc"]
    kz.desk.put("event", {"type": "webinar", "title": "Вебинар", "start_date": "2025-03-01"})
    bundle = kz.send().paths[0]
    preview = unodc.receive(bundle, dry_run=True)
    assert preview["new"] == 1 and preview["per_kind"]["event"]["new"] == 1
    assert unodc.dump() == [] and api.known_devices(unodc.desk) == []
    assert unodc.receive(bundle)["new"] == 1


def test_sharing_decides_who_receives_what(offices):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    kz.desk.put("event", {"type": "webinar", "title": "platform", "start_date": "2025-01-01"})
    kz.desk.put("event", {"type": "webinar", "title": "local", "start_date": "2025-01-01", "sharing": "local"})
    kz.desk.put(
        "event", {"type": "webinar", "title": "secretariat", "start_date": "2025-01-01", "sharing": "secretariat"}
    )
    kz.desk.put(
        "event",
        {
            "type": "bilateral_meeting",
            "title": "parties KZ-UZ",
            "start_date": "2025-01-01",
            "parties": ["KZ", "UZ"],
            "sharing": "parties",
        },
    )
    kz.desk.put(
        "event",
        {
            "type": "bilateral_meeting",
            "title": "parties KZ-TJ",
            "start_date": "2025-01-01",
            "parties": ["KZ", "TJ"],
            "sharing": "parties",
        },
    )
    unodc.receive(*kz.send().paths)
    assert titles(unodc) == ["parties KZ-TJ", "parties KZ-UZ", "platform", "secretariat"]
    uz_bundle = uz.send().paths[0]
    unodc.receive(uz_bundle)
    to_uz = unodc.send(uz).paths[0]
    uz.receive(to_uz)
    assert titles(uz) == ["parties KZ-UZ", "platform"]
    with zipfile.ZipFile(to_uz) as archive:
        content = archive.read("changes.jsonl").decode("utf-8")
    assert "KZ-TJ" not in content and "secretariat" not in content.replace('"sharing"', "")
    everyone = offices["uz"].folder / "everyone.pdsync"
    api.export_bundle(unodc.desk, everyone)
    with zipfile.ZipFile(everyone) as archive:
        content = archive.read("changes.jsonl").decode("utf-8")
    assert "platform" in content and "parties KZ-UZ" not in content


def test_encrypted_bundle_needs_its_passphrase(offices):
    kz, unodc = offices["kz"], offices["unodc"]
    kz.desk.put("event", {"type": "webinar", "title": "Конфиденциально", "start_date": "2025-01-01"})
    bundle = kz.send(passphrase="пароль 2025").paths[0]
    m = manifest(bundle)
    assert m["encryption"]["cipher"] == "AES-256-GCM" and m["device_name"] == "kz"
    with zipfile.ZipFile(bundle) as archive:
        assert "Конфиденциально".encode() not in b"".join(archive.read(n) for n in archive.namelist())
    for wrong in (None, "password"):
        with pytest.raises(InputError, match="passphrase"):
            unodc.receive(bundle, passphrase=wrong)
    assert unodc.dump() == []
    assert unodc.receive(bundle, passphrase="пароль 2025")["new"] == 1


def test_split_bundle_imports_in_any_order_once_complete(offices):
    kz, unodc = offices["kz"], offices["unodc"]
    kz.desk.put_many(
        ("person", {"full_name": f"Участник {n:04d}", "notes": hashlib.sha256(bytes(n)).hexdigest()})
        for n in range(400)
    )
    parts = kz.send(max_size=20_000).paths
    assert len(parts) >= 3 and all(p.stat().st_size <= 20_000 for p in parts)
    assert parts[0].name.endswith(f".part-1-of-{len(parts)}.pdsync")
    waiting = unodc.receive(parts[-1])
    assert waiting["missing_parts"] and unodc.dump() == []
    summary = unodc.receive(*reversed(parts[:-1]))
    assert summary["new"] == 400 and not summary["missing_parts"]
    assert unodc.dump() == kz.dump()


def test_first_bundle_pins_the_key(offices, tmp_path):
    from tests.sync.conftest import Office

    kz, unodc = offices["kz"], offices["unodc"]
    summary = unodc.receive(*kz.send().paths)
    assert summary["new_devices"][0]["fingerprint"] == kz.desk.fingerprint
    impostor = Office(tmp_path / "..", "impostor", "delegation", "KZ")
    with impostor.desk.engine.begin() as connection:  # the same device id, another key
        connection.exec_driver_sql("UPDATE installation SET device_id = ?", (kz.device_id,))
    impostor.desk._identity = None
    impostor.desk.put("event", {"type": "webinar", "title": "forged", "start_date": "2025-01-01"})
    with pytest.raises(InputError, match="different key"):
        unodc.receive(*impostor.send(full=True).paths)
    assert "forged" not in titles(unodc)
    impostor.desk.close()


def test_widened_sharing_sends_the_whole_record(offices):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    introduce(unodc, kz, uz)
    event = kz.desk.put(
        "event",
        {
            "type": "webinar",
            "title": "Internal",
            "start_date": "2025-01-01",
            "sharing": "secretariat",
            "city": "Astana",
        },
    )
    person = kz.desk.put("person", {"full_name": "Ержан"})
    kz.desk.put("participation", {"event_id": event, "person_id": person})
    unodc.receive(*kz.send().paths)
    uz.receive(*unodc.send(uz).paths)
    assert titles(uz) == []
    kz.desk.put("event", {"id": event, "sharing": "platform"})
    unodc.receive(*kz.send().paths)
    uz.receive(*unodc.send(uz).paths)
    assert uz.desk.get(event)["city"] == "Astana", "earlier fields arrive with the widening"
    assert [p["person_id"] for p in uz.desk.list("participation")] == [person]


def _sent_records(path) -> dict[str, set[str]]:
    """The fields of each record whose full lines a bundle carries."""
    with zipfile.ZipFile(path) as archive:
        lines = [json.loads(line) for line in archive.read("changes.jsonl").decode("utf-8").splitlines()]
    sent: dict[str, set[str]] = {}
    for line in lines:
        if "record_id" in line:
            sent.setdefault(line["record_id"], set()).add(line["field"])
    return sent


def test_a_shared_record_made_local_is_withdrawn_everywhere_and_nothing_new_leaves(offices):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    introduce(unodc, kz, uz)
    event = uz.desk.put("event", {"type": "webinar", "title": "Shared by mistake", "start_date": "2025-01-01"})
    person = uz.desk.put("person", {"full_name": "Дилноза"})
    uz.desk.put("participation", {"event_id": event, "person_id": person})
    unodc.receive(*uz.send().paths)
    kz.receive(*unodc.send(kz).paths)
    assert titles(kz) == ["Shared by mistake"]

    uz.desk.put("event", {"id": event, "sharing": "local", "title": "Internal notes", "city": "Tashkent"})
    withdrawal = uz.send().paths[0]
    assert _sent_records(withdrawal) == {event: {"sharing"}}, "only the withdrawal leaves, not the new text"
    unodc.receive(withdrawal)
    kz.receive(*unodc.send(kz).paths)
    for office in (unodc, kz):  # marked local where it was received: relayed no further
        assert (office.desk.get(event)["sharing"], office.desk.get(event)["title"]) == ("local", "Shared by mistake")
    newcomer = unodc.folder / "everyone.pdsync"
    api.export_bundle(unodc.desk, newcomer)
    assert _sent_records(newcomer)[event] == {"sharing"}, "the secretariat relays only the withdrawal"
    uz.receive(*unodc.send(uz).paths)
    assert uz.desk.get(event)["title"] == "Internal notes"

    uz.desk.put("event", {"id": event, "sharing": "platform"})  # shared again: current values only
    unodc.receive(*uz.send().paths)
    kz.receive(*unodc.send(kz).paths)
    for office in (unodc, kz):
        assert (office.desk.get(event)["title"], office.desk.get(event)["city"]) == ("Internal notes", "Tashkent")


def test_a_record_made_local_before_anyone_saw_it_leaves_nothing_anywhere(offices):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    introduce(unodc, kz, uz)
    event = uz.desk.put("event", {"type": "webinar", "title": "Draft", "start_date": "2025-01-01"})
    uz.desk.put("event", {"id": event, "sharing": "local"})
    unodc.receive(*uz.send().paths)
    kz.receive(*unodc.send(kz).paths)
    for office in (unodc, kz):
        with office.desk.engine.connect() as connection:
            held = connection.exec_driver_sql("SELECT count(*) FROM changes WHERE record_id = ?", (event,)).scalar()
            waiting = connection.exec_driver_sql(
                "SELECT count(*) FROM held_back WHERE record_id = ?", (event,)
            ).scalar()
        assert (held, waiting, office.dump()) == (0, 0, []), office.name


def test_the_same_person_added_twice_concurrently_appears_once(offices):
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    event = kz.desk.put("event", {"type": "webinar", "title": "W", "start_date": "2025-01-01"})
    person = kz.desk.put("person", {"full_name": "Dilnoza"})
    unodc.receive(*kz.send().paths)
    uz.receive(*unodc.send().paths)
    kz.desk.put("participation", {"event_id": event, "person_id": person})
    uz.desk.put("participation", {"event_id": event, "person_id": person, "role": "speaker"})
    unodc.receive(*kz.send().paths, *uz.send().paths)
    assert len(unodc.desk.list("participation")) == 1


def test_an_empty_bundle_introduces_an_installation(offices):
    kz, unodc = offices["kz"], offices["unodc"]
    summary = unodc.receive(*kz.send().paths)
    assert summary["new"] == 0 and summary["new_devices"][0]["device_id"] == kz.device_id
    assert [d["country"] for d in api.known_devices(unodc.desk)] == ["KZ"]


@pytest.mark.parametrize("passphrase", [None, "секрет"])
def test_attachment_content_travels_with_its_record(offices, tmp_path, passphrase):
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from desktop_app.domain.desk import put_record
    from desktop_app.storage.models import Blob

    kz, unodc = offices["kz"], offices["unodc"]
    content = "Повестка дня / Kun tartibi".encode() * 100
    digest = hashlib.sha256(content).hexdigest()
    event = kz.desk.put("event", {"type": "webinar", "title": "W", "start_date": "2025-01-01"})
    with kz.desk.writing() as writer:
        writer.connection.execute(sqlite_insert(Blob).values(sha256=digest, content=content))
        put_record(
            writer, "attachment", {"event_id": event, "filename": "agenda.txt", "size": len(content), "sha256": digest}
        )
    bundle = kz.send(passphrase=passphrase).paths[0]
    readable = json.dumps(manifest(bundle))
    if passphrase is None:
        assert f"blobs/{digest}" in manifest(bundle)["members"]
    else:  # neither the digest nor the size of the attachment can be read without the passphrase
        assert digest not in readable and str(len(content)) not in readable
        assert "blobs/000001" in manifest(bundle)["members"]
    unodc.receive(bundle, passphrase=passphrase)
    with unodc.desk.engine.connect() as connection:
        stored = connection.execute(Blob.__table__.select().where(Blob.sha256 == digest)).first()
    assert stored is not None and stored.content == content


def test_a_bundle_for_everyone_does_not_hide_what_a_delegation_may_see(offices):
    """The secretariat's bundle for everyone holds only `platform` records: importing it must not make
    the delegation look as if it held the `parties` records meant for it too."""
    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    introduce(unodc, kz, uz)
    uz.desk.put(
        "event",
        {
            "type": "bilateral_meeting",
            "title": "UZ–KZ, parties only",
            "start_date": "2025-02-01",
            "parties": ["KZ", "UZ"],
            "sharing": "parties",
        },
    )
    uz.desk.put("event", {"type": "webinar", "title": "For everyone", "start_date": "2025-02-02"})
    unodc.receive(*uz.send().paths)
    kz.receive(*unodc.send().paths)  # no --to: platform records only, the later of UZ's two
    assert titles(kz) == ["For everyone"]
    unodc.receive(*kz.send().paths)
    kz.receive(*unodc.send(kz).paths)
    assert titles(kz) == ["For everyone", "UZ–KZ, parties only"]


def test_a_delegation_relays_only_its_own_countrys_changes(offices, tmp_path):
    """A delegation passes on only its own country's changes (SPEC §3); the rest comes from the secretariat."""
    from tests.sync.conftest import Office

    kz, uz, unodc = offices["kz"], offices["uz"], offices["unodc"]
    tj = Office(tmp_path, "tj", "delegation", "TJ")
    try:
        for office in (kz, uz, tj):
            unodc.receive(*office.send().paths)
            office.receive(*unodc.send(office).paths)
        tj.desk.put(
            "event",
            {
                "type": "bilateral_meeting",
                "title": "TJ–UZ",
                "start_date": "2025-03-01",
                "parties": ["TJ", "UZ"],
                "sharing": "parties",
            },
        )
        tj.desk.put("event", {"type": "webinar", "title": "TJ webinar", "start_date": "2025-03-02"})
        unodc.receive(*tj.send().paths)
        kz.receive(*unodc.send(kz).paths)
        assert titles(kz) == ["TJ webinar"]
        uz.receive(*kz.send(uz, full=True).paths)  # a delegation's file: it may not carry TJ's records
        assert titles(uz) == []
        unodc.receive(*uz.send().paths)
        uz.receive(*unodc.send(uz).paths)
        assert titles(uz) == ["TJ webinar", "TJ–UZ"]
    finally:
        tj.desk.close()
