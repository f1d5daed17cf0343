"""What the command line and the GUI call to exchange bundles and settle conflicts.

``export_bundle`` writes what a recipient may receive and is not known to hold;
``import_files`` checks every file completely before touching the database,
applies everything in one transaction and takes a backup just before committing
(or, with ``dry_run``, rolls it back and reports what would have happened).
Container details (ZIP, encryption, limits) live in ``bundle``; parts in ``parts``;
who is believed and who may change what in ``_resolve_trust`` and ``merge``.
"""

from __future__ import annotations

import base64
import json
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import and_, delete, func, insert, literal_column, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desktop_app.domain import identity, progress
from desktop_app.domain.authority import SECRETARIAT
from desktop_app.domain.changelog import canonical, raise_knowledge, version_vector
from desktop_app.domain.desk import Desk, put_record
from desktop_app.domain.schema import DELETED
from desktop_app.errors import InputError, NotFoundError, one_line
from desktop_app.i18n import _, ngettext
from desktop_app.storage import database
from desktop_app.storage.models import Blob, Change, Conflict, Coverage, Exchange, Peer
from desktop_app.sync.bundle import Bundle, b64, check_max_size, split_bundle, write_bundle
from desktop_app.sync.merge import Merger, Origin
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

def _recipient(connection, me: dict, to: str | None, full: bool) -> tuple[Recipient, dict, str | None]:
    """Who the bundle is for, what they are known to hold already, and their device id if known."""
    if to is not None:
        peer = connection.execute(select(Peer).where(Peer.device_id == to)).first()
        if peer is None:  # not met yet: what anyone may receive, addressed to it alone
            return Recipient(None), {}, None
        return Recipient(peer.role, peer.country), {} if full else json.loads(peer.vector), to
    if me["role"] == "delegation":
        secretariat = connection.execute(select(Peer).where(Peer.role == "secretariat", Peer.revoked_at.is_(None))
                                         .order_by(Peer.last_seen.desc())).first()
        vector = {} if full or secretariat is None else json.loads(secretariat.vector)
        return Recipient("secretariat"), vector, secretariat.device_id if secretariat else None
    # For every delegation, including ones not heard from yet: everything on the Platform.
    return Recipient(None), {}, None


def _acknowledged(connection, me: dict, peer: str | None, theirs: dict) -> int | None:
    """The newest ``changes.rowid`` the recipient is known to have been sent: that of the latest export to it
    that it acknowledged (a bundle from it imported afterwards, holding this installation's changes of
    that export). None if there is none: then nothing sent from here can have left it behind."""
    if peer is None:
        return None
    last_import = connection.execute(select(func.max(Exchange.id)).where(
        Exchange.direction == "import", Exchange.peer_device == peer)).scalar() or 0
    exports = connection.execute(select(Exchange.summary).where(
        Exchange.direction == "export", Exchange.peer_device == peer, Exchange.id < last_import,
        Exchange.summary.is_not(None)).order_by(Exchange.id.desc()))
    for (summary,) in exports:
        sent = json.loads(summary)
        if theirs.get(me["device_id"], 0) >= sent["my_seq"]:
            return sent["upto"]
    return None


_COLUMNS = (Change.device_id, Change.seq, Change.hlc, Change.kind, Change.record_id, Change.field, Change.value,
            Change.context)


# A change's line (``bundle.change_line``) spelled by SQLite: canonical JSON, keys sorted, values already
# canonical in the table; ids, field names and stamps are ASCII, which ``json_quote`` spells as Python does.
_LINE = literal_column(
    """CASE WHEN changes.context IS NULL THEN '{' ELSE '{"context":' || changes.context || ',' END"""
    """ || '"device_id":' || json_quote(changes.device_id) || ',"field":' || json_quote(changes.field)"""
    """ || ',"hlc":' || json_quote(changes.hlc) || ',"kind":' || json_quote(changes.kind)"""
    """ || ',"record_id":' || json_quote(changes.record_id) || ',"seq":' || changes.seq"""
    """ || ',"value":' || changes.value || '}'""")


def _widened(connection, ranges, since: int | None) -> set[str]:
    """Records the recipient may see now but perhaps could not when their earlier changes were sent.

    Those whose sharing or parties changed in the new changes, or in any change this installation
    received since it last wrote to the recipient (``since``, a ``changes.rowid``: the recipient itself
    may have widened a record); the participations, actions, attachments and held events that follow
    them, with the people those participations name; and the people of new participations.
    """
    news = or_(*ranges) if since is None else or_(*ranges, Change.rowid > since)
    changed = set(connection.execute(select(Change.record_id).where(
        news, Change.field.in_(("sharing", "parties")))).scalars())
    attending = {json.loads(v) for v in connection.execute(select(Change.value).where(
        news, Change.field == "person_id")).scalars()}
    if not changed:
        return attending
    dependants = set(connection.execute(select(Change.record_id).where(
        Change.field.in_(("event_id", "parent_id")), Change.value.in_([canonical(i) for i in changed]))).scalars())
    attending |= {json.loads(v) for v in connection.execute(select(Change.value).where(  # their people too
        Change.record_id.in_(dependants), Change.field == "person_id")).scalars()}
    return changed | attending | dependants


def _current_value():
    """Changes that no later change of the same field replaces: a record's current values."""
    later = Change.__table__.alias("later")
    return ~select(later.c.rowid).where(
        later.c.record_id == Change.record_id, later.c.field == Change.field,
        or_(later.c.hlc > Change.hlc, and_(later.c.hlc == Change.hlc, later.c.device_id > Change.device_id))).exists()


def _lines(connection, mine: dict, theirs: dict, hidden: set[str], attachments: set[str], since: int | None):
    """The change lines the recipient lacks and may see, in the order this installation got them.

    Only current values travel: a value already replaced is history the recipient may not have been
    allowed to see (SPEC §4.1), so a record whose sharing or parties changed is sent again with its
    current values only. A reference to an event the recipient may not receive (``parent_id``) is left
    out. The SHA-256 of each attachment sent is added to ``attachments``.
    """
    ranges = [and_(Change.device_id == device, Change.seq > theirs.get(device, 0))
              for device, seq in mine.items() if seq > theirs.get(device, 0)]
    if not ranges:
        return
    widened = _widened(connection, ranges, since) - hidden if theirs else set()
    queries = [select(*_COLUMNS).where(Change.record_id.in_(widened), Change.device_id.in_(mine), ~or_(*ranges))
               ] if widened else []
    queries.append(select(*_COLUMNS).where(or_(*ranges)))
    for query in queries:
        query = (query.with_only_columns(_LINE, Change.record_id, Change.field, Change.kind, Change.value)
                 .where(_current_value()).order_by(Change.rowid).execution_options(yield_per=5000))
        for line, record_id, field, kind, value in connection.execute(query):
            if record_id in hidden or (field == "parent_id" and json.loads(value) in hidden):
                continue
            if field == "sha256" and kind == "attachment":
                attachments.add(json.loads(value))
            yield line


def _relayable(connection, me: dict, mine: dict) -> dict:
    """The part of ``mine`` this installation may relay: a delegation only its own country's changes."""
    if me["role"] == SECRETARIAT:
        return mine
    ours = {me["device_id"], *(me["copied_from"] and [me["copied_from"]] or [])}
    ours.update(connection.execute(select(Peer.device_id).where(
        Peer.role == "delegation", Peer.country == me["country"])).scalars())
    return {device: seq for device, seq in mine.items() if device in ours}


def _registry(connection, me: dict) -> dict | None:
    """What a secretariat vouches for: every installation it trusts, and those it revoked (SPEC §3)."""
    if me["role"] != SECRETARIAT:
        return None
    registry = {"trusted": [], "revoked": []}
    for peer in connection.execute(select(Peer).order_by(Peer.device_id)):
        entry = {"device_id": peer.device_id, "device_name": peer.device_name, "role": peer.role,
                 "country": peer.country, "public_key": b64(peer.public_key)}
        if peer.revoked_at:
            registry["revoked"].append({**entry, "seq": peer.revoked_seq or 0})
        else:
            registry["trusted"].append(entry)
    return registry


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
            recipient, theirs, peer = _recipient(connection, me, to, full)
            known = version_vector(connection)
            mine = _relayable(connection, me, known)
            sent = {"upto": connection.execute(select(func.max(Change.rowid))).scalar() or 0,
                    "my_seq": known.get(me["device_id"], 0)}
            hidden = hidden_records(connection, recipient)
            audience = ("everyone" if recipient.role is None else "device" if to
                        else "secretariat" if recipient.role == SECRETARIAT else "everyone")
            header = {"device_id": me["device_id"], "device_name": me["device_name"], "role": me["role"],
                      "country": me["country"], "public_key": b64(me["public_key"]), "created_at": _now(),
                      "vector": version_vector(connection, Coverage), "to": to, "base": theirs, "audience": audience}
            attachments: set[str] = set()

            def blobs():
                query = select(Blob.sha256, Blob.content).where(Blob.sha256.in_(attachments))
                yield from connection.execute(query.order_by(Blob.sha256))

            lines = _lines(connection, mine, theirs, hidden, attachments, _acknowledged(connection, me, peer, theirs))
            manifest = write_bundle(temporary, header, lines, me["private_key"], passphrase, blobs,
                                    _registry(connection, me))
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
            direction="export", at=_now(), bundle_id=manifest["bundle_id"], peer_device=peer, peer_name=None,
            filename=out.name, change_count=manifest["change_count"], summary=json.dumps(sent)))
    return ExportResult(paths, manifest["change_count"], manifest)


# ----- import --------------------------------------------------------------------------------

class UntrustedSender(InputError):
    """A bundle from an installation nobody here has vouched for; ``sender`` names it for the first-contact dialog."""

    def __init__(self, message: str, sender: dict):
        super().__init__(message)
        self.sender = sender


def _describe(manifest: dict, public_key: bytes) -> dict:
    return {"device_id": manifest["device_id"], "device_name": one_line(manifest["device_name"]),
            "role": manifest["role"], "country": manifest["country"], "fingerprint": identity.fingerprint(public_key)}


@dataclass
class _Trust:
    """What an import may believe: pinned and newly confirmed installations, and registries to record."""

    pins: dict  # device_id -> {device_name, role, country, public_key, vouched_by}: to pin in this import
    revocations: list  # registry entries of revoked installations
    warnings: list


def _resolve_trust(connection, me: dict, bundles: list[Bundle], trust: set[str], passphrase: str | None) -> _Trust:
    """Decide, before anything is written, whether every sender may be believed (SPEC §3).

    A sender is believed if it is pinned here with the same key, role and country and not revoked; if a
    person confirmed its fingerprint (``trust``); or if a secretariat believed here vouches for it in the
    registry its bundle carries. Anything else refuses the import, naming the sender.
    """
    result = _Trust({}, [], [])
    believed = {peer.device_id: {"role": peer.role, "country": peer.country, "public_key": peer.public_key,
                                 "revoked": bool(peer.revoked_at)}  # device -> pinned or confirmed claims
                for peer in connection.execute(select(Peer))}
    waiting = []
    for bundle in bundles:
        manifest, key = bundle.manifest, bundle.public_key
        device = manifest["device_id"]
        if _is_mine(bundle, me):
            continue
        known = believed.get(device)
        if known is None and identity.fingerprint(key) in trust:
            known = believed[device] = {"role": manifest["role"], "country": manifest["country"],
                                        "public_key": key, "revoked": False}
            result.pins[device] = {"device_name": manifest["device_name"], "role": manifest["role"],
                                   "country": manifest["country"], "public_key": key, "vouched_by": None}
        if known is None:
            waiting.append(bundle)
            continue
        _check_pinned(bundle, known)
    # Registries of the secretariats believed here introduce further installations.
    for bundle in bundles:
        device = bundle.manifest["device_id"]
        sender = believed.get(device)
        if device == me["device_id"] or sender is None or sender["role"] != SECRETARIAT:
            continue
        registry = bundle.registry(passphrase)
        for entry in registry["trusted"] + registry["revoked"]:
            if entry["device_id"] == me["device_id"]:
                continue
            key = base64.b64decode(entry["public_key"])
            pinned = believed.get(entry["device_id"])
            if pinned is None:
                believed[entry["device_id"]] = {"role": entry["role"], "country": entry["country"],
                                                "public_key": key, "revoked": False}
                result.pins[entry["device_id"]] = {"device_name": entry["device_name"], "role": entry["role"],
                                                   "country": entry["country"], "public_key": key,
                                                   "vouched_by": device}
            elif (pinned["public_key"], pinned["role"], pinned["country"]) != (key, entry["role"], entry["country"]):
                result.warnings.append(_("{secretariat} vouches for {device} with another key, role or country than "
                                         "the one pinned here: the pinned one is kept").format(
                    secretariat=one_line(bundle.manifest["device_name"]), device=one_line(entry["device_name"])))
        for entry in registry["revoked"]:
            if entry["device_id"] != me["device_id"]:
                believed[entry["device_id"]]["revoked"] = True
                result.revocations.append(entry)
    for bundle in waiting:
        known = believed.get(bundle.manifest["device_id"])
        if known is None:
            sender = _describe(bundle.manifest, bundle.public_key)
            raise UntrustedSender(_untrusted_message(bundle.name, sender), sender)
        _check_pinned(bundle, known)
    for bundle in bundles:
        if believed.get(bundle.manifest["device_id"], {}).get("revoked"):
            raise InputError(_revoked_message(bundle.name, bundle.manifest["device_name"]))
    return result


def _is_mine(bundle: Bundle, me: dict) -> bool:
    """Whether a file comes from this installation; refuses one that claims to but is signed with another key."""
    if bundle.manifest["device_id"] != me["device_id"]:
        return False
    if bundle.public_key != me["public_key"]:
        raise InputError(_("{name}: claims to come from this installation but is signed with another key: "
                           "refused").format(name=bundle.name))
    return True


def _untrusted_message(name: str, sender: dict) -> str:
    return _("{name}: comes from {device} ({role}, {country}), which nobody here has vouched for; check its "
             "fingerprint {fingerprint} with the sender, then import with --trust \"{fingerprint}\"").format(
        name=name, device=sender["device_name"], role=sender["role"], country=sender["country"] or "—",
        fingerprint=sender["fingerprint"])


def _revoked_message(name: str, device_name: str) -> str:
    return _("{name}: comes from {device}, which the secretariat has revoked (a lost or stolen computer): "
             "refused").format(name=name, device=one_line(device_name))


def _check_pinned(bundle: Bundle, pinned: dict) -> None:
    """Refuse a bundle whose key, role or country differs from what is pinned for its device id."""
    manifest = bundle.manifest
    if pinned["public_key"] != bundle.public_key:
        raise InputError(_("{name}: signed with a different key than {device} used before "
                           "(fingerprint {new}, expected {old}): refused").format(
            name=bundle.name, device=one_line(manifest["device_name"]),
            new=identity.fingerprint(bundle.public_key), old=identity.fingerprint(pinned["public_key"])))
    if (pinned["role"], pinned["country"]) != (manifest["role"], manifest["country"]):
        raise InputError(_("{name}: {device} is known here as {role} {country} but now claims to be {new_role} "
                           "{new_country}: refused").format(
            name=bundle.name, device=one_line(manifest["device_name"]), role=pinned["role"],
            country=pinned["country"] or "", new_role=manifest["role"], new_country=manifest["country"] or ""))


def _record_trust(connection, trust: _Trust) -> list[dict]:
    """Pin the installations confirmed or vouched for in this import, and record revocations."""
    new_devices = []
    for device, pin in trust.pins.items():
        connection.execute(insert(Peer).values(
            device_id=device, device_name=pin["device_name"], role=pin["role"], country=pin["country"],
            public_key=pin["public_key"], first_seen=_now(), last_seen=_now(), vector="{}",
            vouched_by=pin["vouched_by"]))
        new_devices.append({"device_id": device, "device_name": one_line(pin["device_name"]), "role": pin["role"],
                            "country": pin["country"], "fingerprint": identity.fingerprint(pin["public_key"]),
                            "vouched_by": pin["vouched_by"]})
    for entry in trust.revocations:
        connection.execute(update(Peer).where(Peer.device_id == entry["device_id"], Peer.revoked_at.is_(None))
                           .values(revoked_at=_now(), revoked_seq=entry["seq"]))
    return new_devices


def _origins(connection, me: dict) -> dict[str, Origin]:
    """Every installation whose changes may be held here, with its pinned role and country."""
    origins = {p.device_id: Origin(p.role, p.country, p.revoked_seq if p.revoked_at else None)
               for p in connection.execute(select(Peer))}
    for device in (me["device_id"], me["copied_from"]):
        if device:
            origins[device] = Origin(me["role"], me["country"])
    return origins


def _raise_coverage(connection, me: dict, manifest: dict, sender: Origin) -> None:
    """Count as held completely what this bundle completed: changes of a device it carried all of.

    That needs a bundle filtered for this installation or for the secretariat (never the `platform`-only
    bundle for everyone), starting no later than what is already held completely, from the device itself or
    from a secretariat (a delegation holds only what it may see of others' changes). Changes held back
    count as held: they are tried again here after every import.
    """
    if manifest.get("audience") == "everyone" or not (manifest["to"] == me["device_id"]
                                                      or manifest.get("audience") == "secretariat"):
        return
    held = version_vector(connection, Coverage)
    base = manifest.get("base") or {}
    secretariat = sender.role == SECRETARIAT
    completed = {device: seq for device, seq in manifest["vector"].items()
                 if device != me["device_id"] and (device == manifest["device_id"] or secretariat)
                 and base.get(device, 0) <= held.get(device, 0)}
    raise_knowledge(connection, completed, Coverage)


def _remember_sender(connection, manifest: dict) -> None:
    """Raise what a known sender is known to hold; its role, country and key stay as pinned."""
    peer = connection.execute(select(Peer).where(Peer.device_id == manifest["device_id"])).one()
    vector = json.loads(peer.vector)
    for device, seq in manifest["vector"].items():
        vector[device] = max(vector.get(device, 0), seq)
    connection.execute(update(Peer).where(Peer.device_id == peer.device_id).values(
        device_name=manifest["device_name"], last_seen=_now(), vector=json.dumps(vector, sort_keys=True)))


def import_files(desk: Desk, paths: list[Path], dry_run: bool = False, passphrase: str | None = None,
                 trust: list[str] = ()) -> dict:
    """Import bundles (and parts of split ones) in one transaction; returns the summary of SPEC §5.

    ``trust`` holds the fingerprints a person has confirmed for first contacts (SPEC §3). Every file is
    checked completely — signature, sender, every part, every line, every attachment — before anything
    is stored; the backup is taken only once the import is about to be committed.
    """
    me = desk.identity
    confirmed = {identity.normalise_fingerprint(t) for t in trust}
    opened: list[Bundle] = []
    with PartStore(desk.path) as store:
        try:
            for path in paths:
                opened.append(Bundle(path))
            with desk.engine.connect() as connection:
                for part in (b for b in opened if b.is_part):
                    _check_part_sender(connection, part, me, confirmed)
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
                    bundle.check(passphrase)
                except InputError:
                    if id(bundle) in groups:
                        store.discard(groups[id(bundle)])
                    raise
            with desk.engine.connect() as connection:
                believed = _resolve_trust(connection, me, bundles, confirmed, passphrase)
            summary = _apply(desk, me, bundles, missing, dry_run, passphrase, believed)
            if not dry_run:
                with desk.engine.connect() as connection:
                    store.keep(set(connection.execute(select(Exchange.bundle_id).where(
                        Exchange.direction == "import", Exchange.bundle_id.in_(
                            [group.bundle_id for group in store.sets.values()]))).scalars()))
            return summary
        finally:
            for bundle in opened:
                bundle.close()


def _check_part_sender(connection, part: Bundle, me: dict, confirmed: set[str]) -> None:
    """A part is kept only from an installation believed here (pinned, or confirmed in this import), so that
    a stranger's part can neither take space nor block a genuine set."""
    manifest = part.manifest
    if _is_mine(part, me):
        return
    peer = connection.execute(select(Peer).where(Peer.device_id == manifest["device_id"])).first()
    if peer is None and identity.fingerprint(part.public_key) in confirmed:
        return
    if peer is None:
        sender = _describe(manifest, part.public_key)
        raise UntrustedSender(_untrusted_message(part.name, sender), sender)
    _check_pinned(part, {"role": peer.role, "country": peer.country, "public_key": peer.public_key})
    if peer.revoked_at:
        raise InputError(_revoked_message(part.name, manifest["device_name"]))


def _apply(desk: Desk, me: dict, bundles: list[Bundle], missing: list[str], dry_run: bool,
           passphrase: str | None, trust: _Trust) -> dict:
    per_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"new": 0, "updated": 0, "conflicts": 0, "skipped": 0})
    summary = {"files": [b.name for b in bundles], "dry_run": dry_run, "new_devices": [],
               "clock_warnings": [], "missing_parts": missing, "already_imported": [], "warnings": trust.warnings,
               "refused": [], "diverged": []}
    with desk.engine.connect() as connection:
        done = set(connection.execute(select(Exchange.bundle_id).where(Exchange.direction == "import")).scalars())
    fresh = [b for b in bundles if b.manifest["bundle_id"] not in done]
    summary["already_imported"] = [b.name for b in bundles if b.manifest["bundle_id"] in done]
    already_skipped = sum(b.manifest["change_count"] for b in bundles if b.manifest["bundle_id"] in done)
    engine = desk.engine.execution_options(write=True)
    with database.translate_busy(), engine.connect() as connection:
        transaction = connection.begin()
        try:
            summary["new_devices"] = _record_trust(connection, trust)
            origins = _origins(connection, me)
            for bundle in fresh:
                progress.checkpoint(bundle.path.name)
                manifest = bundle.manifest
                if manifest["to"] not in (None, me["device_id"]):
                    raise InputError(_("{name} was made for another installation ({device}): refused").format(
                        name=bundle.name, device=manifest["to"]))
                if manifest.get("audience") == "secretariat" and me["role"] != SECRETARIAT:  # it may hold what
                    raise InputError(_("{name} was made for a secretariat: refused").format(  # we may not see
                        name=bundle.name))
                merger = Merger(connection, manifest["vector"], origins, manifest["device_id"], me["device_id"])
                try:
                    merger.merge(bundle.changes(passphrase))
                    merger.retry_held_back()
                    counts = merger.finish()
                except InputError as error:
                    raise InputError(f"{bundle.name}: {error}") from None
                _raise_coverage(connection, me, manifest, origins[manifest["device_id"]])
                for sha256, content in bundle.blobs(passphrase):
                    connection.execute(sqlite_insert(Blob).values(sha256=sha256, content=content)
                                       .on_conflict_do_nothing(index_elements=["sha256"]))
                if manifest["device_id"] != me["device_id"]:  # our own bundle coming back pins nothing
                    _remember_sender(connection, manifest)
                for device in sorted(counts.suspicious_clocks):
                    summary["clock_warnings"].append(_(
                        "Changes from {device} are stamped more than a day in the future: "
                        "the sender's clock looks wrong").format(device=device))
                summary["refused"].extend(counts.refused)
                for device, number in sorted(counts.diverged.items()):
                    summary["diverged"].append({"device_id": device, "changes": number})
                    summary["warnings"].append(_(
                        "{count} changes of installation {device} differ from the ones held here under the same "
                        "numbers: two computers are using one identity (a copied database?); they were not "
                        "applied").format(count=number, device=device))
                bundle_counts = {"new": sum(map(len, counts.new.values())),
                                 "conflicts": sum(counts.conflicts.values()),
                                 "skipped": sum(counts.skipped.values()), "refused": len(counts.refused)}
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
                progress.checkpoint()  # cancelled: roll back, as if never imported
                if fresh or trust.pins:  # checked and merged: only now is the state before the import worth keeping
                    summary["backup"] = str(database.backup(desk.engine, desk.path, "before-import"))
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
    """Installations known here (pinned), with their key fingerprints and who vouched for them."""
    return [p for p in peers(desk) if not p["self"]]


def peers(desk: Desk) -> list[dict]:
    """This installation first, then every known one (SPEC §3): fingerprint, role, country, who vouched."""
    me = desk.identity
    with desk.engine.connect() as connection:
        rows = connection.execute(select(Peer).order_by(Peer.device_name, Peer.device_id)).all()
    names = {p.device_id: p.device_name for p in rows} | {me["device_id"]: me["device_name"]}
    listed = [{"device_id": me["device_id"], "device_name": one_line(me["device_name"]), "role": me["role"],
               "country": me["country"], "fingerprint": identity.fingerprint(me["public_key"]), "self": True,
               "vouched_by": None, "vouched_by_name": None, "revoked": False, "first_seen": None, "last_seen": None}]
    for p in rows:
        listed.append({"device_id": p.device_id, "device_name": one_line(p.device_name), "role": p.role,
                       "country": p.country, "fingerprint": identity.fingerprint(p.public_key), "self": False,
                       "vouched_by": p.vouched_by,
                       "vouched_by_name": one_line(names.get(p.vouched_by, p.vouched_by)) if p.vouched_by else None,
                       "revoked": bool(p.revoked_at), "first_seen": p.first_seen, "last_seen": p.last_seen})
    return listed


def _peer(connection, device_id: str):
    peer = connection.execute(select(Peer).where(Peer.device_id == device_id)).first()
    if peer is None:
        raise NotFoundError(_("No installation {device} is known here").format(device=device_id))
    return peer


def forget(desk: Desk, device_id: str) -> None:
    """Un-pin an installation (a laptop re-installed): its next bundle is a first contact again."""
    with desk.transaction(write=True) as connection:
        _peer(connection, device_id)
        connection.execute(delete(Peer).where(Peer.device_id == device_id))


def revoke(desk: Desk, device_id: str) -> None:
    """Mark a lost or stolen installation (secretariat only); the registry carries it to everyone."""
    if desk.identity["role"] != SECRETARIAT:
        raise InputError(_("Only a secretariat can revoke an installation"))
    with desk.transaction(write=True) as connection:
        _peer(connection, device_id)
        held = version_vector(connection).get(device_id, 0)
        connection.execute(update(Peer).where(Peer.device_id == device_id, Peer.revoked_at.is_(None))
                           .values(revoked_at=_now(), revoked_seq=held))


def exchange_history(desk: Desk, limit: int = 200) -> list[dict]:
    """Exports and imports, newest first."""
    with desk.engine.connect() as connection:
        rows = connection.execute(select(*Exchange.__table__.c).order_by(Exchange.id.desc()).limit(limit))
        return [dict(row._mapping) for row in rows]


def last_exchange(desk: Desk, direction: str) -> str | None:
    with desk.engine.connect() as connection:
        return connection.execute(select(func.max(Exchange.at)).where(Exchange.direction == direction)).scalar()
