"""Export: a signed bundle of what a recipient may receive and is not known to hold (SPEC §4, §4.1).

Each author's log travels from where the recipient's knowledge ends up to a head the author signed
(``chain``): the lines the recipient may see in full, current values only, every other position as a
stub. Everything is written under temporary names and renamed only once complete.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import ColumnClause, TextClause, and_, func, insert, literal_column, or_, select, text
from sqlalchemy.orm import aliased

from desktop_app import logbook
from desktop_app.domain.authority import SECRETARIAT
from desktop_app.domain.changelog import canonical, record_table, version_vector
from desktop_app.domain.desk import Desk, now_iso
from desktop_app.errors import InputError
from desktop_app.i18n import _
from desktop_app.storage import server
from desktop_app.storage.models import Blob, Change, Coverage, Exchange, Head, Link, Peer
from desktop_app.sync import chain, merge_sql
from desktop_app.sync.bundle import b64, check_max_size, split_bundle, write_bundle
from desktop_app.sync.sharing import Recipient, hidden_records


@dataclass
class ExportResult:
    paths: list[Path]
    change_count: int
    manifest: dict


def _recipient(connection, me: dict, to: str | None, full: bool) -> tuple[Recipient, dict, str | None]:
    """Who the bundle is for, what they are known to hold already, and their device id if known."""
    if to is not None:
        peer = connection.execute(select(Peer).where(Peer.device_id == to)).first()
        if peer is None:  # not met yet: what anyone may receive, addressed to it alone
            return Recipient(None), {}, None
        return Recipient(peer.role, peer.country), {} if full else json.loads(peer.vector), to
    if me["role"] == "delegation":
        secretariat = connection.execute(
            select(Peer).where(Peer.role == "secretariat", Peer.revoked_at.is_(None)).order_by(Peer.last_seen.desc())
        ).first()
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
    last_import = (
        connection.execute(
            select(func.max(Exchange.id)).where(Exchange.direction == "import", Exchange.peer_device == peer)
        ).scalar()
        or 0
    )
    exports = connection.execute(
        select(Exchange.summary)
        .where(
            Exchange.direction == "export",
            Exchange.peer_device == peer,
            Exchange.id < last_import,
            Exchange.summary.is_not(None),
        )
        .order_by(Exchange.id.desc())
    )
    for (summary,) in exports:
        sent = json.loads(summary)
        if theirs.get(me["device_id"], 0) >= sent["my_seq"]:
            return sent["upto"]
    return None


_COLUMNS = (
    Change.device_id,
    Change.seq,
    Change.hlc,
    Change.kind,
    Change.record_id,
    Change.field,
    Change.value,
    Change.context,
)


@lru_cache(maxsize=None)
def _line_sql(dialect: str) -> tuple[ColumnClause, ColumnClause]:
    """A change's line (FORMAT.md §4) and a stub, spelled by the database in ``dialect``: canonical JSON, keys
    sorted, values already canonical in the table, ``prev`` from the author's log; ids, field names, stamps and
    hashes are ASCII, which ``server.json_string_sql`` spells as Python does. A stub is a line the recipient
    does not receive, as its place in the author's log alone."""

    def q(expression: str) -> str:
        return server.json_string_sql(dialect, expression)

    prev = "(SELECT links.prev FROM links WHERE links.device_id = changes.device_id AND links.seq = changes.seq)"
    line: ColumnClause = literal_column(
        """CASE WHEN changes.context IS NULL THEN '{' ELSE '{"context":' || changes.context || ',' END"""
        f""" || '"device_id":' || {q("changes.device_id")} || ',"field":' || {q("changes.field")}"""
        f""" || ',"hlc":' || {q("changes.hlc")} || ',"kind":' || {q("changes.kind")}"""
        f""" || ',"prev":' || {q(prev)}"""
        f""" || ',"record_id":' || {q("changes.record_id")}"""
        """ || CASE WHEN changes.replaces IS NULL THEN '' ELSE ',"replaces":' || changes.replaces END"""
        f""" || ',"salt":' || {q("changes.salt")}"""
        """ || ',"seq":' || changes.seq || ',"value":' || changes.value || '}'"""
    )
    stub: ColumnClause = literal_column(
        f"""'{{"device_id":' || {q("links.device_id")} || ',"digest":' || {q("links.digest")}"""
        f""" || ',"prev":' || {q("links.prev")} || ',"seq":' || links.seq || '}}'"""
    )
    return line, stub


HEAD_TRIES = 20  # signed heads of one author looked at for one that the log held here reaches


def _widened(connection, ranges, since: int | None) -> set[str]:
    """Records the recipient may see now but perhaps could not when their earlier changes were sent.

    Those whose sharing or parties changed in the new changes, or in any change this installation
    received since it last wrote to the recipient (``since``, a ``changes.rowid``: the recipient itself
    may have widened a record); the participations, actions, attachments and held events that follow
    them, with the people those participations name; and the people of new participations.
    """
    news = or_(*ranges) if since is None else or_(*ranges, Change.rowid > since)
    changed = set(
        connection.execute(select(Change.record_id).where(news, Change.field.in_(("sharing", "parties")))).scalars()
    )
    attending = {
        json.loads(v)
        for v in connection.execute(select(Change.value).where(news, Change.field == "person_id")).scalars()
    }
    if not changed:
        return attending
    dependants = set(
        connection.execute(
            select(Change.record_id).where(
                Change.field.in_(("event_id", "parent_id")), Change.value.in_([canonical(i) for i in changed])
            )
        ).scalars()
    )
    attending |= {
        json.loads(v)
        for v in connection.execute(
            select(Change.value).where(  # their people too
                Change.record_id.in_(dependants), Change.field == "person_id"
            )
        ).scalars()
    }
    return changed | attending | dependants


def _withdrawn(connection, ranges, since: int | None, hidden: set[str], recipient: Recipient) -> set[str]:
    """Records made ``local`` after they were shared, that the recipient may hold: their ``sharing`` line travels
    to it alone, so that it stops showing and relaying what was withdrawn (SPEC §4.1); nothing written while
    the record is local leaves this installation. A recipient that never held the record keeps nothing of it
    (``merge.Merger._prove``).

    Among the hidden records whose ``sharing`` became ``local`` in the changes sent (or received since this
    installation last wrote to the recipient, ``since``): those the recipient may see under their last other
    sharing.
    """
    news = or_(*ranges) if since is None else or_(*ranges, Change.rowid > since)
    local = canonical("local")
    earlier = aliased(Change)
    last_shared = (
        select(earlier.value)
        .where(earlier.record_id == Change.record_id, earlier.field == "sharing", earlier.value != local)
        .order_by(earlier.hlc.desc(), earlier.device_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    made_local = connection.execute(  # a record made local from the start has no earlier sharing: never shared
        select(Change.record_id, Change.kind, last_shared)
        .where(news, Change.field == "sharing", Change.value == local, last_shared.is_not(None))
        .distinct()
    ).all()
    events = record_table("event")
    withdrawn = set()
    for record_id, kind, before in made_local:
        if record_id not in hidden:
            continue
        table = record_table(kind)
        event_id = table.c.event_id if "event_id" in table.c else table.c.id
        owner, event = connection.execute(select(table.c.owner, event_id).where(table.c.id == record_id)).one()
        parties = connection.execute(select(events.c.parties).where(events.c.id == event)).scalar()
        if recipient.may_see(json.loads(before), parties, owner):
            withdrawn.add(record_id)
    return withdrawn


@lru_cache(maxsize=None)
def _current_value(dialect: str) -> TextClause:
    """A record's current values (SPEC §4.3, ``merge.FieldHistory``): changes of a field that no other change of
    it replaces, and that no change nothing replaces beats by clock."""

    def covered(vector: str, device: str, seq: str) -> str:
        return merge_sql.covered(vector, device, seq, dialect)

    return text(
        "NOT EXISTS (SELECT 1 FROM changes later WHERE later.record_id = changes.record_id "
        "AND later.field = changes.field AND later.rowid != changes.rowid AND ("
        f"{covered('later.replaces', 'changes.device_id', 'changes.seq')} OR ((later.hlc > changes.hlc "
        "OR (later.hlc = changes.hlc AND later.device_id > changes.device_id)) AND NOT EXISTS (SELECT 1 FROM "
        "changes e WHERE e.record_id = later.record_id AND e.field = later.field "
        f"AND {covered('e.replaces', 'later.device_id', 'later.seq')}))))"
    )


def _logs(connection, me: dict, theirs: dict) -> dict[str, tuple[int, dict]]:
    """For each author whose log holds more than the recipient is known to: (where the recipient's part
    ends, the signed head to send up to). This installation signs a head of its own log now; another
    author's is the highest signed head held here that the proven log reaches without a gap."""
    logs = {}
    for device, top in connection.execute(select(Link.device_id, func.max(Link.seq)).group_by(Link.device_id)):
        base = theirs.get(device, 0)
        if top <= base:
            continue
        if device == me["device_id"]:
            last = connection.execute(select(Link.hash).where(Link.device_id == device, Link.seq == top)).scalar()
            logs[device] = (base, chain.sign_head(me["private_key"], device, top, last))
            continue
        for seq in connection.execute(
            select(Head.seq)
            .where(Head.device_id == device, Head.seq > base)
            .order_by(Head.seq.desc())
            .limit(HEAD_TRIES)
        ).scalars():
            held = connection.execute(
                select(func.count()).select_from(Link).where(Link.device_id == device, Link.seq > base, Link.seq <= seq)
            ).scalar()
            head = chain.latest_head(connection, device, seq)
            if held == seq - base and head is not None:
                logs[device] = (base, head)
                break
    return logs


def _lines(
    connection,
    logs: dict,
    recipient: Recipient,
    hidden: set[str],
    attachments: set[str],
    since: int | None,
    widen: bool,
):
    """The change lines the recipient lacks and may see, then the stubs that keep each author's log whole.

    Only current values travel: a value already replaced is history the recipient may not have been
    allowed to see (SPEC §4.1), so a record whose sharing or parties changed is sent again with its
    current values only, and a record made ``local`` that it may hold by its ``sharing`` line alone. A
    reference to an event the recipient may not receive (``parent_id``) is left out. Every other position
    of a log sent travels as a stub. The SHA-256 of each attachment sent is added to ``attachments``.
    """
    ranges = [
        and_(Change.device_id == device, Change.seq > base, Change.seq <= head["seq"])
        for device, (base, head) in logs.items()
    ]
    if not ranges:
        return
    sent: dict[str, set[int]] = {device: set() for device in logs}
    widened = _widened(connection, ranges, since) - hidden if widen else set()
    withdrawn = _withdrawn(connection, ranges, since, hidden, recipient)
    queries = [select(*_COLUMNS).where(Change.record_id.in_(widened), ~or_(*ranges))] if widened else []
    queries.append(select(*_COLUMNS).where(or_(*ranges)))
    line_sql, stub_sql = _line_sql(connection.dialect.name)
    for query in queries:
        query = (
            query.with_only_columns(
                line_sql, Change.device_id, Change.seq, Change.record_id, Change.field, Change.kind, Change.value
            )
            .where(_current_value(connection.dialect.name), Change.salt.is_not(None))
            .order_by(Change.rowid)
            .execution_options(yield_per=5000)
        )
        for line, device, seq, record_id, field, kind, value in connection.execute(query):
            if record_id in hidden and not (field == "sharing" and record_id in withdrawn):
                continue
            if field == "parent_id" and json.loads(value) in hidden:
                continue
            if field == "sha256" and kind == "attachment":
                attachments.add(json.loads(value))
            if device in sent:
                sent[device].add(seq)
            yield line
    for device, (base, head) in logs.items():
        query = (
            select(stub_sql, Link.seq)
            .where(Link.device_id == device, Link.seq > base, Link.seq <= head["seq"])
            .order_by(Link.seq)
            .execution_options(yield_per=5000)
        )
        for stub, seq in connection.execute(query):
            if seq not in sent[device]:
                yield stub


def _registry(connection, me: dict) -> dict | None:
    """What a secretariat vouches for: every installation it trusts, and those it revoked (SPEC §3)."""
    if me["role"] != SECRETARIAT:
        return None
    registry: dict[str, list[dict]] = {"trusted": [], "revoked": []}
    for peer in connection.execute(select(Peer).order_by(Peer.device_id)):
        entry = {
            "device_id": peer.device_id,
            "device_name": peer.device_name,
            "role": peer.role,
            "country": peer.country,
            "public_key": b64(peer.public_key),
        }
        if peer.revoked_at:
            registry["revoked"].append({**entry, "seq": peer.revoked_seq or 0})
        else:
            registry["trusted"].append(entry)
    return registry


def export_bundle(
    desk: Desk,
    out: Path,
    to: str | None = None,
    full: bool = False,
    passphrase: str | None = None,
    max_size: int | None = None,
) -> ExportResult:
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
            logs = _logs(connection, me, theirs)
            sent = {
                "upto": connection.execute(select(func.max(Change.rowid))).scalar() or 0,
                "my_seq": known.get(me["device_id"], 0),
            }
            hidden = hidden_records(connection, recipient)
            audience = (
                "everyone"
                if recipient.role is None
                else "device"
                if to
                else "secretariat"
                if recipient.role == SECRETARIAT
                else "everyone"
            )
            header = {
                "device_id": me["device_id"],
                "device_name": me["device_name"],
                "role": me["role"],
                "country": me["country"],
                "public_key": b64(me["public_key"]),
                "created_at": now_iso(),
                "vector": version_vector(connection, Coverage),
                "to": to,
                "base": theirs,
                "audience": audience,
                "heads": {device: head for device, (_base, head) in logs.items()},
            }
            attachments: set[str] = set()

            def blobs():
                query = select(Blob.sha256, Blob.content).where(Blob.sha256.in_(attachments))
                yield from connection.execute(query.order_by(Blob.sha256))

            lines = _lines(
                connection,
                logs,
                recipient,
                hidden,
                attachments,
                _acknowledged(connection, me, peer, theirs),
                widen=bool(theirs),
            )
            manifest = write_bundle(
                temporary, header, lines, me["private_key"], passphrase, blobs, _registry(connection, me)
            )
        if max_size and temporary.stat().st_size > max_size:
            stem = out.name[: -len(".pdsync")] if out.name.endswith(".pdsync") else out.name
            written += split_bundle(temporary, max_size, me["private_key"], stem)
            paths = [p.with_name(p.name[: -len(".partial")]) for p in written[1:]]
        else:
            paths = [out]
        for source, target in zip(written[1:] or written, paths):
            os.replace(source, target)
    finally:
        for leftover in written:
            leftover.unlink(missing_ok=True)
    with desk.transaction(write=True) as connection:
        connection.execute(
            insert(Exchange).values(
                direction="export",
                at=now_iso(),
                bundle_id=manifest["bundle_id"],
                peer_device=peer,
                peer_name=None,
                filename=out.name,
                change_count=manifest["change_count"],
                summary=json.dumps(sent),
            )
        )
    logbook.exported(out, f"{audience} {to or ''}".strip(), {"changes": manifest["change_count"], "files": len(paths)})
    return ExportResult(paths, manifest["change_count"], manifest)
