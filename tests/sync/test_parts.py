"""Parts of split bundles (FORMAT.md §9): checked before anything is kept, kept beside the database and
never in it, removed once applied; failed exports leave nothing behind; refused files take no backup."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest

from desktop_app.domain import identity
from desktop_app.errors import InputError
from desktop_app.sync import api
from desktop_app.sync import bundle as fmt


def _people(office, count=300):
    office.desk.put_many(
        ("person", {"full_name": f"Участник {n:04d}", "notes": hashlib.sha256(bytes(n)).hexdigest()})
        for n in range(count)
    )


def _stored(office):
    return sorted(p.name for p in office.desk.path.parent.glob(f"{office.desk.path.stem}-parts/*/*.bin"))


def test_parts_wait_beside_the_database_and_go_once_applied(offices):
    kz, unodc = offices["kz"], offices["unodc"]
    _people(kz)
    parts = kz.send(max_size=12_000).paths
    size = unodc.desk.path.stat().st_size
    assert unodc.receive(parts[0])["missing_parts"]
    assert _stored(unodc) == ["1.bin"] and unodc.desk.path.stat().st_size == size
    assert unodc.receive(parts[0], dry_run=True)["missing_parts"] and _stored(unodc) == ["1.bin"]
    assert unodc.receive(*parts[1:])["new"] == 300
    assert _stored(unodc) == []
    again = unodc.receive(parts[1])  # a part of a bundle already applied is not kept again
    assert _stored(unodc) == [] and again["new"] == 0


def test_a_refused_import_keeps_no_part(offices, tmp_path):
    kz, unodc = offices["kz"], offices["unodc"]
    _people(kz)
    parts = kz.send(max_size=12_000).paths
    junk = tmp_path / "junk.pdsync"
    junk.write_text("not a bundle")
    with pytest.raises(InputError):
        unodc.receive(parts[0], junk)
    assert _stored(unodc) == []


def test_a_strangers_part_does_not_block_the_genuine_set(offices, tmp_path):
    from tests.sync.conftest import Office

    kz, unodc = offices["kz"], offices["unodc"]
    _people(kz)
    parts = kz.send(max_size=12_000).paths
    stranger = Office(tmp_path, "stranger", "delegation", "KZ")
    try:
        with zipfile.ZipFile(parts[0]) as archive:
            manifest = json.loads(archive.read(fmt.MANIFEST))
        me = stranger.desk.identity
        forged = tmp_path / "forged.part-1-of-9.pdsync"
        data = b"rubbish" * 100
        fake = {
            **manifest,
            "device_id": me["device_id"],
            "device_name": "stranger",
            "public_key": fmt.b64(me["public_key"]),
            "members": {fmt.PART: hashlib.sha256(data).hexdigest()},
        }
        raw = fmt.canonical_bytes(fake)
        with zipfile.ZipFile(forged, "w") as archive:
            archive.writestr(fmt.PART, data)
            archive.writestr(fmt.MANIFEST, raw)
            archive.writestr(fmt.SIGNATURE, fmt.b64(identity.private_key(me["private_key"]).sign(raw)))
        unodc.receive(forged)
        assert unodc.receive(*parts)["new"] == 300
    finally:
        stranger.desk.close()


def test_a_failed_export_leaves_no_file(offices, tmp_path):
    kz = offices["kz"]
    _people(kz, 10)
    out = tmp_path / "out.pdsync"
    with pytest.raises(InputError, match=str(fmt.MIN_PART_BYTES)):
        api.export_bundle(kz.desk, out, max_size=100)
    assert not list(tmp_path.glob("out*"))


def test_refused_files_take_no_backup_and_a_good_one_takes_it_after_checking(offices, tmp_path):
    kz, unodc = offices["kz"], offices["unodc"]
    backups = unodc.desk.path.parent / "backups"
    good = kz.send().paths[0]
    kz.desk.put("event", {"type": "webinar", "title": "T", "start_date": "2025-01-01"})
    damaged = tmp_path / "damaged.pdsync"
    damaged.write_bytes(kz.send().paths[0].read_bytes()[:-40])
    for _ in range(12):
        with pytest.raises(InputError):
            unodc.receive(damaged)
    assert not list(backups.glob(f"{unodc.desk.path.stem}-*.db"))
    summary = unodc.receive(good)
    assert summary.get("backup") and len(list(backups.glob(f"{unodc.desk.path.stem}-*.db"))) == 1
    assert unodc.receive(good, dry_run=True).get("backup") is None


def test_the_backup_holds_the_state_before_the_import(offices):
    import sqlite3

    kz, unodc = offices["kz"], offices["unodc"]
    kz.desk.put("event", {"type": "webinar", "title": "Arrives", "start_date": "2025-01-01"})
    summary = unodc.receive(kz.send().paths[0])
    with sqlite3.connect(summary["backup"]) as backup:
        assert backup.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    assert [e["title"] for e in unodc.desk.list("event")] == ["Arrives"]


@pytest.mark.parametrize("passphrase", [None, "секрет"])
def test_a_registry_travels_in_the_container(tmp_path, passphrase):
    """The member a secretariat's registry (issue 10) travels in: plain, or sealed like everything else."""
    from desktop_app.domain.desk import Desk

    unodc = Desk.create(tmp_path / "u.db", "unodc", "secretariat")
    try:
        me = unodc.identity
        registry = {
            "trusted": [
                {
                    "device_id": "kz-1",
                    "device_name": "KZ",
                    "role": "delegation",
                    "country": "KZ",
                    "public_key": fmt.b64(bytes(32)),
                }
            ],
            "revoked": [],
        }
        header = {
            "device_id": me["device_id"],
            "device_name": "unodc",
            "role": "secretariat",
            "country": None,
            "public_key": fmt.b64(me["public_key"]),
            "created_at": "2025-01-01T00:00:00+00:00",
            "vector": {},
            "to": None,
        }
        path = tmp_path / "r.pdsync"
        fmt.write_bundle(path, header, [], me["private_key"], passphrase, registry=registry)
        bundle = fmt.Bundle(path)
        try:
            bundle.check(passphrase)
            assert bundle.registry(passphrase) == registry
        finally:
            bundle.close()
        if passphrase:
            with zipfile.ZipFile(path) as archive:
                assert b"kz-1" not in b"".join(archive.read(n) for n in archive.namelist())
    finally:
        unodc.close()
