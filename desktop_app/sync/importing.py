"""Import: every file checked completely before the database is touched, then applied in one transaction.

A backup is taken just before committing (or, with ``dry_run``, everything is rolled back and the
summary says what would have happened). Parts of split bundles wait in ``parts``; who is believed in
``trust``; how lines are proven, admitted and merged in ``merge``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import NotRequired, TypedDict

from sqlalchemy import insert, select, update

from desktop_app import logbook
from desktop_app.domain import identity, progress
from desktop_app.domain.authority import SECRETARIAT
from desktop_app.domain.changelog import raise_knowledge, version_vector
from desktop_app.domain.described import described
from desktop_app.domain.desk import Desk, now_iso
from desktop_app.domain.schema import KINDS
from desktop_app.errors import InputError
from desktop_app.i18n import _, ngettext
from desktop_app.storage import database, server
from desktop_app.storage.models import Blob, Coverage, Exchange, Peer
from desktop_app.sync import trust as trusting
from desktop_app.sync import waiting
from desktop_app.sync.bundle import Bundle
from desktop_app.sync.merge import Merger, Origin
from desktop_app.sync.parts import PartStore, open_assembled

PREVIEW_RECORDS = 200  # the records a dry run names (its counts cover them all)


class Refusal(TypedDict):
    """A change not applied for want of authority or proof (FORMAT.md §13), as the summary lists it."""

    device_id: str
    seq: int
    kind: str
    record_id: str
    field: str
    reason: str


class ImportSummary(TypedDict):
    """What ``import_files`` reports (SPEC §5: ``import`` prints it as JSON)."""

    files: list[str]
    dry_run: bool
    new: int
    updated: int
    conflicts: int
    skipped: int
    refused: list[Refusal]
    diverged: list[dict]  # {device_id, changes}: an installation whose key signed two histories
    new_devices: list[dict]
    clock_warnings: list[str]
    missing_parts: list[str]
    already_imported: list[str]
    warnings: list[str]
    per_kind: dict[str, dict[str, int]]
    message: str
    backup: NotRequired[str]
    records: NotRequired[list[dict]]  # dry run only: ``_would_be``


def _raise_coverage(connection, me: dict, manifest: dict, sender: Origin) -> None:
    """Count as held completely what this bundle completed: changes of a device it carried all of.

    That needs a bundle filtered for this installation or for the secretariat (never the `platform`-only
    bundle for everyone), starting no later than what is already held completely, from the device itself or
    from a secretariat (a delegation holds only what it may see of others' changes). Changes held back
    count as held: they are tried again here when what they wait for arrives.
    """
    if manifest.get("audience") == "everyone" or not (
        manifest["to"] == me["device_id"] or manifest.get("audience") == "secretariat"
    ):
        return
    held = version_vector(connection, Coverage)
    base = manifest.get("base") or {}
    secretariat = sender.role == SECRETARIAT
    completed = {
        device: seq
        for device, seq in manifest["vector"].items()
        if device != me["device_id"]
        and (device == manifest["device_id"] or secretariat)
        and base.get(device, 0) <= held.get(device, 0)
    }
    raise_knowledge(connection, completed, Coverage)


def _remember_sender(connection, manifest: dict) -> None:
    """Raise what a known sender is known to hold; its role, country and key stay as pinned."""
    peer = connection.execute(select(Peer).where(Peer.device_id == manifest["device_id"])).one()
    vector = json.loads(peer.vector)
    for device, seq in manifest["vector"].items():
        vector[device] = max(vector.get(device, 0), seq)
    connection.execute(
        update(Peer)
        .where(Peer.device_id == peer.device_id)
        .values(device_name=manifest["device_name"], last_seen=now_iso(), vector=json.dumps(vector, sort_keys=True))
    )


def import_files(
    desk: Desk, paths: list[Path], dry_run: bool = False, passphrase: str | None = None, trust: Iterable[str] = ()
) -> ImportSummary:
    """Import bundles (and parts of split ones) in one transaction; returns the summary of SPEC §5.

    ``trust`` holds the fingerprints a person has confirmed for first contacts (SPEC §3). Every file is
    checked completely — signature, sender, every part, every attachment — before the transaction starts,
    and every line as the merge reads it, once, in that transaction: a bad line anywhere commits nothing.
    The backup is taken only once the import is about to be committed.
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
                    trusting.check_part_sender(connection, part, me, confirmed)
            for part in (b for b in opened if b.is_part):
                store.add(part)
            complete, missing = store.assemble()
            groups = {}
            for group, path in complete:
                opened.append(open_assembled(store, group, path))
                groups[id(opened[-1])] = group
            bundles = [b for b in opened if not b.is_part]
            try:
                for bundle in bundles:  # the lines are read once, by the merge, inside its transaction
                    bundle.check(passphrase, lines=False)
                with desk.engine.connect() as connection:
                    believed = trusting.resolve_trust(connection, me, bundles, confirmed, passphrase)
                summary = _apply(desk, me, bundles, missing, dry_run, passphrase, believed)
            except InputError:
                for bundle in bundles:  # a damaged set of parts is not kept to be assembled again
                    if (bundle.damaged or not bundle.checked) and id(bundle) in groups:
                        store.discard(groups[id(bundle)])
                raise
            if not dry_run:
                with desk.engine.connect() as connection:
                    store.keep(
                        set(
                            connection.execute(
                                select(Exchange.bundle_id).where(
                                    Exchange.direction == "import",
                                    Exchange.bundle_id.in_([group.bundle_id for group in store.sets.values()]),
                                )
                            ).scalars()
                        )
                    )
            return summary
        except InputError as error:
            logbook.refused([Path(path) for path in paths], str(error))
            raise
        finally:
            for bundle in opened:
                bundle.close()


def _apply(
    desk: Desk,
    me: dict,
    bundles: list[Bundle],
    missing: list[str],
    dry_run: bool,
    passphrase: str | None,
    trust: trusting.Trust,
) -> ImportSummary:
    per_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"new": 0, "updated": 0, "conflicts": 0, "skipped": 0})
    summary: ImportSummary = {  # the counts are summed at the end
        "files": [b.name for b in bundles],
        "dry_run": dry_run,
        "new_devices": [],
        "new": 0,
        "updated": 0,
        "conflicts": 0,
        "skipped": 0,
        "per_kind": {},
        "message": "",
        "clock_warnings": [],
        "missing_parts": missing,
        "already_imported": [],
        "warnings": trust.warnings,
        "refused": [],
        "diverged": [],
    }
    with desk.engine.connect() as connection:
        done = set(connection.execute(select(Exchange.bundle_id).where(Exchange.direction == "import")).scalars())
    fresh = [b for b in bundles if b.manifest["bundle_id"] not in done]
    summary["already_imported"] = [b.name for b in bundles if b.manifest["bundle_id"] in done]
    already_skipped = sum(b.manifest["change_count"] for b in bundles if b.manifest["bundle_id"] in done)
    applied: list[tuple[Bundle, dict]] = []  # for the log, once committed
    touched: dict[str, dict[str, set[str]]] = {"new": defaultdict(set), "updated": defaultdict(set)}
    engine = desk.engine.execution_options(write=True)
    with database.translate_busy(), engine.connect() as connection:
        transaction = connection.begin()
        try:
            summary["new_devices"] = trusting.record_trust(connection, trust)
            waiting.expire(connection)
            origins = trusting.origins(connection, me)
            keys = trusting.keys(connection, me)
            for bundle in fresh:
                progress.checkpoint(bundle.path.name)
                manifest = bundle.manifest
                if manifest["to"] not in (None, me["device_id"]):
                    raise InputError(
                        _("{name} was made for another installation ({device}): refused").format(
                            name=bundle.name, device=manifest["to"]
                        )
                    )
                if manifest.get("audience") == "secretariat" and me["role"] != SECRETARIAT:  # it may hold what
                    raise InputError(
                        _("{name} was made for a secretariat: refused").format(  # we may not see
                            name=bundle.name
                        )
                    )
                merger = Merger(connection, manifest["device_id"], origins, keys, me["device_id"])
                try:
                    merger.merge(bundle.changes(passphrase), manifest["heads"])
                    merger.retry_held_back(pinned=trust.pins)
                    counts = merger.finish()
                except InputError as error:
                    if bundle.damaged:  # a bad line: the bundle's own message names it
                        raise
                    raise InputError(f"{bundle.name}: {error}") from None
                bundle.check_attachments(passphrase)
                _raise_coverage(connection, me, manifest, origins[manifest["device_id"]])
                for sha256, content in bundle.blobs(passphrase):
                    connection.execute(
                        server.upsert(Blob.__table__, connection)
                        .values(sha256=sha256, content=content)
                        .on_conflict_do_nothing(index_elements=["sha256"])
                    )
                if manifest["device_id"] != me["device_id"]:  # our own bundle coming back pins nothing
                    _remember_sender(connection, manifest)
                for device in sorted(counts.suspicious_clocks):
                    summary["clock_warnings"].append(
                        _(
                            "Changes from {device} are stamped more than a day in the future: "
                            "the sender's clock looks wrong"
                        ).format(device=device)
                    )
                summary["refused"].extend(counts.refused)
                for device, number in sorted(counts.diverged.items()):
                    summary["diverged"].append({"device_id": device, "changes": number})
                    summary["warnings"].append(
                        ngettext(
                            "{count} change of installation {device} differs from the one held here under the same "
                            "number: two computers are using one identity (a copied database or key). It was not "
                            "applied. The secretariat should revoke that installation (revoke {device}).",
                            "{count} changes of installation {device} differ from the ones held here under the same "
                            "numbers: two computers are using one identity (a copied database or key). They were not "
                            "applied. The secretariat should revoke that installation (revoke {device}).",
                            number,
                        ).format(count=number, device=device)
                    )
                bundle_counts = {
                    "new": sum(map(len, counts.new.values())),
                    "conflicts": sum(counts.conflicts.values()),
                    "skipped": sum(counts.skipped.values()),
                    "refused": len(counts.refused),
                }
                applied.append((bundle, bundle_counts))
                for kind, ids in counts.new.items():
                    per_kind[kind]["new"] += len(ids)
                    touched["new"][kind] |= ids
                for kind, ids in counts.updated.items():
                    per_kind[kind]["updated"] += len(ids - counts.new.get(kind, set()))
                    touched["updated"][kind] |= ids
                for kind, number in counts.conflicts.items():
                    per_kind[kind]["conflicts"] += number
                for kind, number in counts.skipped.items():
                    per_kind[kind]["skipped"] += number
                connection.execute(
                    insert(Exchange).values(
                        direction="import",
                        at=now_iso(),
                        bundle_id=manifest["bundle_id"],
                        peer_device=manifest["device_id"],
                        peer_name=manifest["device_name"],
                        filename=bundle.name,
                        change_count=manifest["change_count"],
                        summary=json.dumps(bundle_counts),
                    )
                )
            if dry_run:
                summary["records"] = _would_be(connection, touched)
                transaction.rollback()
            else:
                progress.checkpoint()  # cancelled: roll back, as if never imported
                if fresh or trust.pins:  # checked and merged: only now is the state before the import worth keeping
                    summary["backup"] = str(database.backup(desk.engine, desk.path, "before-import"))
                transaction.commit()
                _log(summary, trust, applied)
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            if summary.get("backup"):
                Path(summary.pop("backup")).unlink(missing_ok=True)
            raise
    summary["new"] = sum(k["new"] for k in per_kind.values())
    summary["updated"] = sum(k["updated"] for k in per_kind.values())
    summary["conflicts"] = sum(k["conflicts"] for k in per_kind.values())
    summary["skipped"] = sum(k["skipped"] for k in per_kind.values()) + already_skipped
    summary["per_kind"] = dict(per_kind)
    summary["message"] = _message(summary)
    return summary


def _would_be(connection, touched: dict[str, dict[str, set[str]]]) -> list[dict]:
    """What a dry run would add or change, read inside its transaction before the rollback: up to
    ``PREVIEW_RECORDS`` of ``{kind, change: "new" | "updated", record}`` (the record as it would be, with its
    ``name``; see ``domain.described``), new ones first."""
    listed: list[dict] = []
    for change in ("new", "updated"):
        for kind in KINDS:
            ids = touched[change][kind] - (touched["new"][kind] if change == "updated" else set())
            wanted = sorted(ids)[: PREVIEW_RECORDS - len(listed)]
            found = described(connection, kind, wanted) if wanted else {}
            listed += [{"kind": kind, "change": change, "record": found[i]} for i in wanted if i in found]
    return listed


def _log(summary: ImportSummary, trust: trusting.Trust, applied: list[tuple[Bundle, dict]]) -> None:
    """One line in the log book per installation trusted or revoked, and per bundle imported."""
    for device in summary["new_devices"]:
        decision = f"vouched for by {device['vouched_by']}" if device["vouched_by"] else "confirmed by a person here"
        logbook.trust(device["device_id"], device["device_name"], device["fingerprint"], decision)
    for entry in trust.revocations:
        logbook.trust(entry["device_id"], entry["device_name"], "", f"revoked after its change {entry['seq']}")
    for bundle, counts in applied:
        logbook.imported(bundle.path, bundle.manifest["device_name"], identity.fingerprint(bundle.public_key), counts)


def _message(summary: ImportSummary) -> str:
    if summary["files"] and len(summary["already_imported"]) == len(summary["files"]):
        return _("Already imported: nothing changed.")
    text = ngettext("{n} new record", "{n} new records", summary["new"]).format(n=summary["new"])
    text += "; " + ngettext("{n} updated", "{n} updated", summary["updated"]).format(n=summary["updated"])
    text += "; " + ngettext("{n} conflict", "{n} conflicts", summary["conflicts"]).format(n=summary["conflicts"])
    if summary["dry_run"]:
        text = _("Dry run, nothing was changed: {what}").format(what=text)
    return text
