"""What the command line and the GUI call to exchange bundles and settle conflicts.

``export_bundle`` writes what a recipient may receive and is not known to hold;
``import_files`` checks every file completely before touching the database,
applies everything in one transaction and takes a backup just before committing
(or, with ``dry_run``, rolls it back and reports what would have happened).
Container details (ZIP, encryption, limits) live in ``bundle``; parts in ``parts``.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desktop_app.domain import identity
from desktop_app.domain.changelog import raise_knowledge, version_vector
from desktop_app.domain.desk import Desk, put_record
from desktop_app.domain.errors import InputError, NotFoundError
from desktop_app.domain.schema import DELETED
from desktop_app.i18n import _, ngettext
from desktop_app.storage import database
from desktop_app.storage.models import Blob, Change, Conflict, Coverage, Exchange, Peer
from desktop_app.sync.bundle import Bundle, b64, change_line, check_max_size, split_bundle, write_bundle
from desktop_app.sync.merge import Merger
from desktop_app.sync.parts import PartStore, open_assembled
from desktop_app.sync.sharing import Recipient, hidden_records


@dataclass
class ExportResult:
    paths: list[Path]
    change_count: int
    manifest: dict


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# ----- export --------------------------------------------------------------------------------

def _recipient(connection, me: dict, to: str | None, full: bool) -> tuple[Recipient, dict]:
    """Who the bundle is for, and what they are known to hold already."""
    if to is not None:
        peer = connection.execute(select(Peer).where(Peer.device_id == to)).first()
        if peer is None:
            raise InputError(_("--to: no installation {device} is known here; import a bundle from it first").format(
                device=to))
        return Recipient(peer.role, peer.country), {} if full else json.loads(peer.vector)
    if me["role"] == "delegation":
        secretariat = connection.execute(select(Peer).where(Peer.role == "secretariat")
                                         .order_by(Peer.last_seen.desc())).first()
        vector = {} if full or secretariat is None else json.loads(secretariat.vector)
        return Recipient("secretariat"), vector
    # For every delegation, including ones not heard from yet: everything on the Platform.
    return Recipient(None), {}


_COLUMNS = (Change.device_id, Change.seq, Change.hlc, Change.kind, Change.record_id, Change.field, Change.value,
            Change.context)


def _widened(connection, ranges) -> set[str]:
    """Records whose audience may have grown in the new changes, with everything that follows their event."""
    changed = set(connection.execute(select(Change.record_id).where(
        or_(*ranges), Change.field.in_(("sharing", "parties")))).scalars())
    if not changed:
        return changed
    dependants = select(Change.record_id).where(
        Change.field == "event_id", Change.value.in_([json.dumps(i) for i in changed]))
    return changed | set(connection.execute(dependants).scalars())


def _lines(connection, mine: dict, theirs: dict, hidden: set[str], attachments: set[str]):
    """The change lines the recipient lacks and may see, in the order this installation got them.

    A record whose sharing or parties changed is sent whole: the recipient may not have been
    allowed its earlier changes. The SHA-256 of each attachment sent is added to ``attachments``.
    """
    ranges = [and_(Change.device_id == device, Change.seq > theirs.get(device, 0))
              for device, seq in mine.items() if seq > theirs.get(device, 0)]
    if not ranges:
        return
    widened = _widened(connection, ranges) - hidden if theirs else set()
    queries = [select(*_COLUMNS).where(Change.record_id.in_(widened), ~or_(*ranges))] if widened else []
    queries.append(select(*_COLUMNS).where(or_(*ranges)))
    for query in queries:
        for row in connection.execute(query.order_by(Change.rowid).execution_options(yield_per=5000)):
            if row.record_id in hidden:
                continue
            if row.field == "sha256" and row.kind == "attachment":
                attachments.add(json.loads(row.value))
            yield change_line(*row)


def export_bundle(desk: Desk, out: Path, to: str | None = None, full: bool = False,
                  passphrase: str | None = None, max_size: int | None = None) -> ExportResult:
    """Write a signed bundle of what ``to`` (or the usual recipient) may receive and lacks.

    Everything is written under temporary names and renamed only once complete: a failed export
    leaves no bundle behind.
    """
    out = Path(out)
    if not out.parent.is_dir():
        raise InputError(_("The folder {folder} does not exist").format(folder=out.parent))
    check_max_size(max_size)
    me = desk.identity
    temporary = out.with_name(out.name + ".partial")
    written: list[Path] = [temporary]
    try:
        with desk.engine.begin() as connection:  # one consistent snapshot for the whole bundle
            recipient, theirs = _recipient(connection, me, to, full)
            mine = version_vector(connection)
            hidden = hidden_records(connection, recipient)
            audience = "device" if to else ("secretariat" if recipient.role == "secretariat" else "everyone")
            header = {"device_id": me["device_id"], "device_name": me["device_name"], "role": me["role"],
                      "country": me["country"], "public_key": b64(me["public_key"]), "created_at": _now(),
                      "vector": version_vector(connection, Coverage), "to": to, "base": theirs, "audience": audience}
            attachments: set[str] = set()

            def blobs():
                query = select(Blob.sha256, Blob.content).where(Blob.sha256.in_(attachments))
                yield from connection.execute(query.order_by(Blob.sha256))

            manifest = write_bundle(temporary, header, _lines(connection, mine, theirs, hidden, attachments),
                                    me["private_key"], passphrase, blobs)
        if max_size and temporary.stat().st_size > max_size:
            stem = out.name[:-len(".pdsync")] if out.name.endswith(".pdsync") else out.name
            written += split_bundle(temporary, max_size, me["private_key"], stem)
            paths = [p.with_name(p.name[:-len(".partial")]) for p in written[1:]]
        else:
            paths = [out]
        for source, target in zip(written[1:] or written, paths):
            os.replace(source, target)
    finally:
        for leftover in written:
            leftover.unlink(missing_ok=True)
    with desk.transaction(write=True) as connection:
        connection.execute(insert(Exchange).values(
            direction="export", at=_now(), bundle_id=manifest["bundle_id"], peer_device=to, peer_name=None,
            filename=out.name, change_count=manifest["change_count"], summary=None))
    return ExportResult(paths, manifest["change_count"], manifest)


# ----- import --------------------------------------------------------------------------------

def _check_sender(connection, bundle: Bundle, me: dict):
    """The sender's pinned row, if known; refuses a bundle signed with a key other than the pinned one."""
    manifest = bundle.manifest
    if manifest["device_id"] == me["device_id"] and bundle.public_key != me["public_key"]:
        raise InputError(_("{name}: claims to come from this installation but is signed with another key: refused")
                         .format(name=bundle.name))
    peer = connection.execute(select(Peer).where(Peer.device_id == manifest["device_id"])).first()
    if peer is not None and peer.public_key != bundle.public_key:
        raise InputError(_("{name}: signed with a different key than {device} used before "
                           "(fingerprint {new}, expected {old}): refused").format(
            name=bundle.name, device=manifest["device_name"], new=identity.fingerprint(bundle.public_key),
            old=identity.fingerprint(peer.public_key)))
    return peer


def _raise_coverage(connection, me: dict, manifest: dict) -> None:
    """Count as held completely what this bundle completed: changes of a device it carried all of.

    That needs a bundle filtered for this installation or for the secretariat (never the `platform`-only
    bundle for everyone), starting no later than what is already held completely, from the device itself or
    from a secretariat (a delegation holds only what it may see of others' changes).
    """
    if not (manifest["to"] == me["device_id"] or manifest.get("audience") == "secretariat"):
        return
    held = version_vector(connection, Coverage)
    base = manifest.get("base") or {}
    sender, secretariat = manifest["device_id"], manifest["role"] == "secretariat"
    completed = {device: seq for device, seq in manifest["vector"].items()
                 if device != me["device_id"] and (device == sender or secretariat)
                 and base.get(device, 0) <= held.get(device, 0)}
    raise_knowledge(connection, completed, Coverage)


def _remember_sender(connection, bundle: Bundle, peer) -> dict | None:
    """Pin a new sender's key; raise what a known one is known to hold. Returns the new device, if any."""
    manifest = bundle.manifest
    if peer is None:
        connection.execute(insert(Peer).values(
            device_id=manifest["device_id"], device_name=manifest["device_name"], role=manifest["role"],
            country=manifest["country"], public_key=bundle.public_key, first_seen=_now(), last_seen=_now(),
            vector=json.dumps(manifest["vector"], sort_keys=True)))
        return {"device_id": manifest["device_id"], "device_name": manifest["device_name"],
                "role": manifest["role"], "country": manifest["country"],
                "fingerprint": identity.fingerprint(bundle.public_key)}
    vector = json.loads(peer.vector)
    for device, seq in manifest["vector"].items():
        vector[device] = max(vector.get(device, 0), seq)
    connection.execute(update(Peer).where(Peer.device_id == peer.device_id).values(
        device_name=manifest["device_name"], country=manifest["country"], last_seen=_now(),
        vector=json.dumps(vector, sort_keys=True)))
    return None


def import_files(desk: Desk, paths: list[Path], dry_run: bool = False, passphrase: str | None = None) -> dict:
    """Import bundles (and parts of split ones) in one transaction; returns the summary of SPEC §5.

    Every file is checked completely — signature, sender, every part, every line, every attachment —
    before anything is stored; the backup is taken only once the import is about to be committed.
    """
    me = desk.identity
    opened: list[Bundle] = []
    with PartStore(desk.path) as store:
        try:
            for path in paths:
                opened.append(Bundle(path))
            with desk.engine.connect() as connection:
                for bundle in opened:
                    _check_sender(connection, bundle, me)
            for part in (b for b in opened if b.is_part):
                store.add(part)
            complete, missing = store.assemble()
            groups = {}
            for group, path in complete:
                opened.append(open_assembled(store, group, path))
                groups[id(opened[-1])] = group
            bundles = [b for b in opened if not b.is_part]
            for bundle in bundles:
                try:
                    if id(bundle) in groups:
                        with desk.engine.connect() as connection:
                            _check_sender(connection, bundle, me)
                    bundle.check(passphrase)
                except InputError:
                    if id(bundle) in groups:
                        store.discard(groups[id(bundle)])
                    raise
            summary = _apply(desk, me, bundles, missing, dry_run, passphrase)
            if not dry_run:
                with desk.engine.connect() as connection:
                    store.keep(set(connection.execute(select(Exchange.bundle_id).where(
                        Exchange.direction == "import", Exchange.bundle_id.in_(
                            [group.bundle_id for group in store.sets.values()]))).scalars()))
            return summary
        finally:
            for bundle in opened:
                bundle.close()


def _apply(desk: Desk, me: dict, bundles: list[Bundle], missing: list[str], dry_run: bool,
           passphrase: str | None) -> dict:
    per_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"new": 0, "updated": 0, "conflicts": 0, "skipped": 0})
    summary = {"files": [b.name for b in bundles], "dry_run": dry_run, "new_devices": [],
               "clock_warnings": [], "missing_parts": missing, "already_imported": [], "warnings": []}
    with desk.engine.connect() as connection:
        done = set(connection.execute(select(Exchange.bundle_id).where(Exchange.direction == "import")).scalars())
        peers = {b.manifest["device_id"]: _check_sender(connection, b, me) for b in bundles}
    fresh = [b for b in bundles if b.manifest["bundle_id"] not in done]
    summary["already_imported"] = [b.name for b in bundles if b.manifest["bundle_id"] in done]
    already_skipped = sum(b.manifest["change_count"] for b in bundles if b.manifest["bundle_id"] in done)
    engine = desk.engine.execution_options(write=True)
    with database.translate_busy(), engine.connect() as connection:
        transaction = connection.begin()
        try:
            for bundle in fresh:
                manifest = bundle.manifest
                if manifest["to"] not in (None, me["device_id"]):
                    summary["warnings"].append(_("{name} was made for another installation ({device})").format(
                        name=bundle.name, device=manifest["to"]))
                merger = Merger(connection, manifest["vector"])
                merger.merge(bundle.changes(passphrase))
                counts = merger.finish()
                _raise_coverage(connection, me, manifest)
                for sha256, content in bundle.blobs(passphrase):
                    connection.execute(sqlite_insert(Blob).values(sha256=sha256, content=content)
                                       .on_conflict_do_nothing(index_elements=["sha256"]))
                if manifest["device_id"] != me["device_id"]:  # our own bundle coming back pins nothing
                    new_device = _remember_sender(connection, bundle, peers[manifest["device_id"]])
                    if new_device:
                        summary["new_devices"].append(new_device)
                        peers[manifest["device_id"]] = connection.execute(
                            select(Peer).where(Peer.device_id == manifest["device_id"])).one()
                for device in sorted(counts.suspicious_clocks):
                    summary["clock_warnings"].append(_(
                        "Changes from {device} are stamped more than a day in the future: "
                        "the sender's clock looks wrong").format(device=device))
                bundle_counts = {"new": sum(map(len, counts.new.values())),
                                 "conflicts": sum(counts.conflicts.values()),
                                 "skipped": sum(counts.skipped.values())}
                for kind, ids in counts.new.items():
                    per_kind[kind]["new"] += len(ids)
                for kind, ids in counts.updated.items():
                    per_kind[kind]["updated"] += len(ids - counts.new.get(kind, set()))
                for kind, number in counts.conflicts.items():
                    per_kind[kind]["conflicts"] += number
                for kind, number in counts.skipped.items():
                    per_kind[kind]["skipped"] += number
                connection.execute(insert(Exchange).values(
                    direction="import", at=_now(), bundle_id=manifest["bundle_id"],
                    peer_device=manifest["device_id"], peer_name=manifest["device_name"], filename=bundle.name,
                    change_count=manifest["change_count"], summary=json.dumps(bundle_counts)))
            if dry_run:
                transaction.rollback()
            else:
                if fresh:  # checked and merged: only now is the state before the import worth keeping
                    backup = database.backup(desk.engine, desk.path, "before-import")
                    summary["backup"] = str(backup)
                transaction.commit()
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            if summary.get("backup"):
                Path(summary.pop("backup")).unlink(missing_ok=True)
            raise
    for key in ("new", "updated", "conflicts", "skipped"):
        summary[key] = sum(k[key] for k in per_kind.values())
    summary["skipped"] += already_skipped
    summary["per_kind"] = dict(per_kind)
    summary["message"] = _message(summary)
    return summary


def _message(summary: dict) -> str:
    if summary["files"] and len(summary["already_imported"]) == len(summary["files"]):
        return _("Already imported: nothing changed.")
    text = ngettext("{n} new record", "{n} new records", summary["new"]).format(n=summary["new"])
    text += "; " + ngettext("{n} updated", "{n} updated", summary["updated"]).format(n=summary["updated"])
    text += "; " + ngettext("{n} conflict", "{n} conflicts", summary["conflicts"]).format(n=summary["conflicts"])
    if summary["dry_run"]:
        text = _("Dry run, nothing was changed: {what}").format(what=text)
    return text


# ----- conflicts, peers, history --------------------------------------------------------------

def _decoded(row) -> dict:
    record = dict(row._mapping)
    for key in ("winner_value", "loser_value"):
        record[key] = json.loads(record[key])
    return record


def list_conflicts(desk: Desk, include_settled: bool = False) -> list[dict]:
    """Conflicts awaiting review (or all of them), newest first."""
    query = select(Conflict).order_by(Conflict.id.desc())
    if not include_settled:
        query = query.where(Conflict.status == "open")
    with desk.engine.connect() as connection:
        return [_decoded(row) for row in connection.execute(query.with_only_columns(*Conflict.__table__.c))]


def resolve_conflict(desk: Desk, conflict_id: int, restore: bool) -> None:
    """Keep the winning value, or restore the losing one as a new change that syncs like any other."""
    with desk.writing() as writer:
        row = writer.connection.execute(select(*Conflict.__table__.c).where(Conflict.id == conflict_id)).first()
        if row is None:
            raise NotFoundError(_("No conflict has the number {id}").format(id=conflict_id))
        conflict = _decoded(row)
        if restore:
            deleted = writer.connection.execute(
                select(Change.value).where(Change.record_id == conflict["record_id"], Change.field == DELETED)
                .order_by(Change.hlc.desc(), Change.device_id.desc()).limit(1)).scalar()
            if deleted == "true" or conflict["field"] == DELETED:
                writer.set(conflict["kind"], conflict["record_id"], DELETED, False)
            if conflict["field"] != DELETED:
                writer.flush()
                put_record(writer, conflict["kind"], {"id": conflict["record_id"],
                                                      conflict["field"]: conflict["loser_value"]})
        writer.connection.execute(update(Conflict).where(Conflict.id == conflict_id).values(
            status="restored" if restore else "kept"))


def known_devices(desk: Desk) -> list[dict]:
    """Installations heard from, with their pinned key fingerprints."""
    with desk.engine.connect() as connection:
        peers = connection.execute(select(Peer).order_by(Peer.device_name)).all()
    return [{"device_id": p.device_id, "device_name": p.device_name, "role": p.role, "country": p.country,
             "fingerprint": identity.fingerprint(p.public_key), "first_seen": p.first_seen,
             "last_seen": p.last_seen} for p in peers]


def exchange_history(desk: Desk, limit: int = 200) -> list[dict]:
    """Exports and imports, newest first."""
    with desk.engine.connect() as connection:
        rows = connection.execute(select(*Exchange.__table__.c).order_by(Exchange.id.desc()).limit(limit))
        return [dict(row._mapping) for row in rows]


def last_exchange(desk: Desk, direction: str) -> str | None:
    with desk.engine.connect() as connection:
        return connection.execute(select(func.max(Exchange.at)).where(Exchange.direction == direction)).scalar()
