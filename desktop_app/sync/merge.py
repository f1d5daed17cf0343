"""Applying incoming changes: per-field causal merge, concurrent edits by hybrid logical clock, conflicts kept.

The record tables end up as a pure function of the set of changes held, so installations that hold the
same changes hold the same records whatever the order of arrival (SPEC §4.1–4.4). A change names the
changes of its field its writer had seen (``replaces``) and replaces them whatever the clocks say; among
the changes nothing replaces, the greatest (hlc, device id) wins (``FieldHistory``). A value that loses to
a concurrent one is stored as a conflict; so is an edit made concurrently with a deletion, which wins
regardless of clocks because the record stays deleted.

Before a change is held it must pass SPEC §3. First its proof (``_prove``): it must link by hashes to a
head its author signed (``chain``), whoever relayed it; a line nothing proves, or whose author is not
known here, is refused and not kept — a later bundle carries it again. Then its author's authority
(``authority.may_change``): a change that fails is not applied, is listed in the summary, and is held
back (``HeldBack``) to be tried again when what it waits for arrives (``retry_held_back``), so that it
applies once the installation holds what makes it allowed (the record, the parties that name its
author); what one sender leaves waiting is bounded (``waiting``). A record whose merged fields break a
rule tying them together (women + men ≤ total, say) is a clash, kept as a conflict on it (SPEC §4.3),
never a refused bundle.

A bundle is first streamed into a temporary table and, as a rule, merged there by a handful of SQL
statements (``merge_sql``): what is held already, who may make each line, the winner of each field, the
conflicts and the new record values. There, admission does not depend on the order of the lines: owner
lines are judged first, then sharing, parties and deletions (the owner's country or a secretariat only),
then every other field against the owner, parties and event the bundle's winning lines give the record.
A bundle with a line to refuse or hold back, one from a revoked author, two lines for one field, or one
moving a held record, is merged by the line-by-line rules below, from the same temporary table; both give
the same tables (tests/sync/test_set_based_merge.py).
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import datetime, timezone

from sqlalchemy import Connection, delete, func, or_, select, union_all, update

from desktop_app.domain import hlc
from desktop_app.domain.authority import SECRETARIAT, Author, Standing, may_change
from desktop_app.domain.changelog import apply_fields, canonical, raise_knowledge, record_id_for, record_table
from desktop_app.domain.hlc import Clock
from desktop_app.domain.schema import DELETED, KINDS, OWNER, Kind
from desktop_app.domain.validation import RULES, broken_rules, check_record
from desktop_app.errors import InputError, ValidationError
from desktop_app.i18n import _
from desktop_app.storage import server
from desktop_app.storage.models import Change, Conflict, Head, HeldBack, Installation, Link
from desktop_app.sync import chain, merge_sql, waiting

BATCH = 2000
_INSERT_HELD = (
    "INSERT INTO held_back (device_id, seq, hlc, kind, record_id, field, value, context, salt, replaces, "
    "reason, sender, held_at, size, waits_for) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)
_CHANGE_COLUMNS = ("device_id", "seq", "hlc", "kind", "record_id", "field", "value", "context", "salt", "replaces")


@dataclass
class Stamp:
    """A change as far as merging needs it."""

    device_id: str
    seq: int
    hlc: str
    value: str  # canonical JSON
    context: dict | None = None
    replaces: dict | None = None  # the changes of the field its writer had seen (device -> highest seq)

    @property
    def order(self) -> tuple[str, str]:
        return self.hlc, self.device_id

    def covered_by(self, vector: dict | None) -> bool:
        return vector is not None and vector.get(self.device_id, 0) >= self.seq


class FieldHistory:
    """Every change held of one field of one record, and the causal rule of SPEC §4.3: a change its writer
    had seen (``replaces``) is replaced whatever the clocks say; among the changes no other replaces (the
    heads), the greatest (hlc, device id) is the field's value."""

    def __init__(self):
        self.stamps: list[Stamp] = []

    def replaced(self, stamp: Stamp) -> bool:
        return any(stamp.covered_by(other.replaces) for other in self.stamps)

    def heads(self) -> list[Stamp]:
        return [stamp for stamp in self.stamps if not self.replaced(stamp)]

    def current(self) -> Stamp | None:
        return max(self.heads(), key=lambda stamp: stamp.order, default=None)

    def rival(self, incoming: Stamp) -> Stamp | None:
        """The strongest head that ``incoming`` did not see: what it competes with by clock."""
        return max(
            (h for h in self.heads() if not h.covered_by(incoming.replaces)), key=lambda h: h.order, default=None
        )


@dataclass(frozen=True)
class Origin(Author):
    """An installation whose changes may arrive: pinned role and country, and where its revocation cuts."""

    revoked_seq: int | None = None


@dataclass
class MergeCounts:
    new: dict = _field(default_factory=lambda: defaultdict(set))
    updated: dict = _field(default_factory=lambda: defaultdict(set))
    skipped: dict = _field(default_factory=lambda: defaultdict(int))
    conflicts: dict = _field(default_factory=lambda: defaultdict(int))
    suspicious_clocks: set = _field(default_factory=set)
    refused: list = _field(default_factory=list)  # {device_id, seq, kind, record_id, field, reason}
    diverged: dict = _field(default_factory=lambda: defaultdict(int))  # device -> lines unlike those held
    applied: int = 0


# Why a change was not held (machine-readable reasons in the import summary).
NO_AUTHORITY = "no_authority"
UNKNOWN_AUTHOR = "unknown_installation"
REVOKED = "revoked"
OWNER_FIXED = "owner_cannot_change"
WAITING = "record_not_held_yet"
UNPROVEN = "not_proven"  # no signed head of its author reaches it (FORMAT.md §8)


class Merger:
    """Merges a stream of incoming changes into the database inside the caller's transaction.

    ``origins`` maps every installation this one knows (itself included) to its pinned role and
    country, ``keys`` to its public key; ``sender`` is the bundle's signer (what it leaves waiting counts
    against its quota) and ``me`` this installation's device id. Changes held back (proven on arrival) are
    tried again by ``retry_held_back``.
    """

    def __init__(
        self, connection: Connection, sender: str, origins: dict[str, Origin], keys: dict[str, bytes], me: str
    ):
        self.connection = connection
        self.sender = sender
        self.origins = origins
        self.keys = keys
        self.me = me
        self._state: dict[str, dict] = {}  # record id -> {"owner", "parties", "event_id"} as merged so far
        # The installation row lock: an import and local edits of other staff on one server database take turns,
        # so that the change log's row numbers are committed in the order they are read (``_rowid_before``).
        row = connection.execute(select(Installation.clock).with_for_update()).one()
        self.clock = Clock(row.clock)
        self.counts = MergeCounts()
        self._fields: dict[tuple[str, str], FieldHistory] = {}
        self._seen: set[tuple[str, int]] = set()
        self._applied: set[tuple[str, int]] = set()
        self._blocked: dict[str, str] = {}  # new record -> the event or person it refers to and waits for
        self._retrying = False
        self._held = 0  # lines this bundle left waiting
        self._waiting: list[tuple] = []  # held-back rows of the batch being merged, written at its end
        self._existing: dict[str, bool] = {}
        self._record_changes: dict[str, list[tuple[str, Stamp]]] = defaultdict(list)
        self._highest: dict[str, int] = {}
        self._now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._rowid_before = connection.execute(select(func.max(Change.rowid))).scalar() or 0
        self.set_based = False  # whether ``merge`` decided in SQL (``merge_sql``) or line by line

    # ----- input -----------------------------------------------------------------------------

    def merge(self, changes, heads: dict) -> None:
        """Stage the bundle's lines, keep those their authors' signed ``heads`` prove, then merge them in
        SQL, or line by line when they need it."""
        cursor = server.driver_cursor(self.connection)
        try:
            merge_sql.stage(cursor, changes, self.connection.dialect.name)
            self._prove(cursor, heads)
            self.set_based = merge_sql.try_set_based(self, cursor)
            if not self.set_based:
                self._merge_lines(merge_sql.staged(cursor))
            merge_sql.clear(cursor)
        finally:
            cursor.close()

    def _prove(self, cursor, heads: dict) -> None:
        """Keep only the staged lines that link to a head their author signed (``chain``); record what they
        prove of each author's log. A line of an author not known here, or that nothing proves, is refused
        and not kept: a later bundle carries it again. Two different proven lines for one ``seq`` name the
        author under ``diverged`` (a copied key) and none of its lines in this bundle is applied."""
        authors = [device for (device,) in cursor.execute("SELECT DISTINCT device_id FROM incoming").fetchall()]
        highest: dict[str, int] = {}
        for device in authors:
            rows = cursor.execute(  # what the proof needs alone: a bundle's lines can be many
                "SELECT n, seq, prev, digest, link, stub FROM incoming WHERE device_id = ? ORDER BY seq", (device,)
            ).fetchall()
            elements: dict[int, chain.Element] = {}
            for _n, seq, prev, digest, link, _stub in rows:
                if seq in elements and elements[seq].hash != link:
                    raise InputError(
                        _("it carries two different lines numbered {seq} of installation {device}").format(
                            seq=seq, device=device
                        )
                    )
                elements[seq] = chain.Element(prev, digest, link)
            head = heads.get(device) if device != self.me else None
            verdict = chain.verify_author(self.connection, device, self.keys.get(device), head, elements)
            if verdict.forked:
                self.counts.diverged[device] += sum(1 for row in rows if not row[5])
                cursor.execute("DELETE FROM incoming WHERE device_id = ?", (device,))
                continue
            reason = UNKNOWN_AUTHOR if device not in self.keys else UNPROVEN
            cut = self.origins[device].revoked_seq if device in self.origins else None
            if cut is not None:  # what a revocation dropped is never proven again (SPEC §3)
                verdict.proven = {seq for seq in verdict.proven if seq <= cut}
                reason = REVOKED
            refused = [row[0] for row in rows if row[1] not in verdict.proven and not row[5]]
            del rows
            for seq, kind, record_id, field in _described(cursor, refused):
                self.counts.refused.append(
                    {
                        "device_id": device,
                        "seq": seq,
                        "kind": kind,
                        "record_id": record_id,
                        "field": field,
                        "reason": reason,
                    }
                )
            cursor.executemany("DELETE FROM incoming WHERE n = ?", [(n,) for n in refused])
            proven = [
                (device, seq, elements[seq].prev, elements[seq].digest, elements[seq].hash)
                for seq in sorted(verdict.proven)
            ]
            cursor.executemany(
                "INSERT INTO links (device_id, seq, prev, digest, hash) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                proven,
            )
            if head is not None and head["seq"] in verdict.proven:
                cursor.execute(
                    "INSERT INTO heads (device_id, seq, hash, signature) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (device, head["seq"], head["hash"], head["signature"]),
                )
            if proven:
                highest[device] = proven[-1][1]
        cursor.execute("DELETE FROM incoming WHERE stub")
        # A record made ``local`` that never reached here: its withdrawal (``export._withdrawn``) has nothing to
        # withdraw, and is kept as its place in its author's log alone, like a stub.
        cursor.execute(
            "DELETE FROM incoming WHERE field = 'sharing' AND value = ? "
            "AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.record_id = incoming.record_id) "
            "AND NOT EXISTS (SELECT 1 FROM held_back h WHERE h.record_id = incoming.record_id) "
            "AND NOT EXISTS (SELECT 1 FROM incoming j WHERE j.record_id = incoming.record_id AND j.field != 'sharing')",
            (canonical("local"),),
        )
        # A line held from before format 3 and now proven by its author can be relayed from here on.
        same = (
            "FROM incoming i WHERE i.device_id = changes.device_id AND i.seq = changes.seq AND i.hlc = changes.hlc "
            "AND i.value = changes.value AND i.replaces IS NULL"
        )
        cursor.execute(
            f"UPDATE changes SET salt = (SELECT i.salt {same}) WHERE salt IS NULL AND EXISTS (SELECT 1 {same})"
        )
        raise_knowledge(self.connection, highest)

    def owner_lines_hold(self, lines) -> bool:
        """Whether every ``owner`` line (device_id, seq, record_id, value JSON) is its record's creation:
        a record id derived from its author and seq (``changelog.record_id_for``) can be claimed by that
        line alone, with its author's own tag. (Ids made before format 3 are random UUIDs: ``_refusal``
        judges their claims by the rule of that time.)"""
        return all(
            self._owner_refusal(device, seq, record_id, json.loads(value)) is None
            for device, seq, record_id, value in lines
        )

    def _owner_refusal(self, device: str, seq: int, record_id: str, value) -> str | None:
        author = self.origins.get(device)
        if author is None:
            return UNKNOWN_AUTHOR
        if _derived(record_id):  # nothing that arrives later can make another claim right: never held back
            return None if record_id == record_id_for(device, seq) and value == author.tag else OWNER_FIXED
        state = self._state.get(record_id)
        owner = state["owner"] if state else None
        if owner is not None:
            return None if owner == value else OWNER_FIXED
        return None if author.role == SECRETARIAT or author.tag == value else NO_AUTHORITY

    def _merge_lines(self, changes) -> None:
        batch: list[dict] = []
        for change in changes:
            batch.append(change)
            if len(batch) >= BATCH:
                self._merge_batch(batch)
                batch = []
        if batch:
            self._merge_batch(batch)

    def finish(self) -> MergeCounts:
        """Check references, advance the clock and the version vector; call before commit."""
        self._check_references()
        self._check_records()
        self.connection.execute(
            delete(HeldBack).where(
                select(Change.rowid)
                .where(  # applied since: not waiting
                    Change.device_id == HeldBack.device_id, Change.seq == HeldBack.seq
                )
                .exists()
            )
        )
        if self._held:
            waiting.check_quota(self.connection, self.sender)
        raise_knowledge(self.connection, self._highest)
        self.connection.execute(update(Installation).values(clock=self.clock.stamp))
        return self.counts

    # ----- the merge ---------------------------------------------------------------------------

    def _merge_batch(self, batch: list[dict]) -> None:
        known = self._known(batch)
        self._load_state(batch)
        inserts, conflicts = [], []
        updates: dict[str, dict[str, dict]] = defaultdict(lambda: defaultdict(dict))
        for change in batch:
            origin = (change["device_id"], change["seq"])
            kind, record_id, name = change["kind"], change["record_id"], change["field"]
            if origin in known or origin in self._seen:  # proven, so the same line (``_prove``)
                self.counts.skipped[kind] += 1
                continue
            reason = self._refusal(change)
            if reason is not None:
                self._refuse(change, reason)
                continue
            self._seen.add(origin)
            ahead = hlc.ahead_ms(change["hlc"])
            if ahead > hlc.MAX_AHEAD_MS:
                raise InputError(
                    _(
                        "change {seq} of installation {device} is stamped {days} days ahead of this "
                        "computer's clock (at most {limit} are accepted): refused; the date of one of "
                        "the two computers is wrong"
                    ).format(
                        seq=change["seq"],
                        device=change["device_id"],
                        days=ahead // 86_400_000,
                        limit=hlc.MAX_AHEAD_MS // 86_400_000,
                    )
                )
            if not self.clock.observe(change["hlc"]):
                self.counts.suspicious_clocks.add(change["device_id"])
            incoming = Stamp(
                change["device_id"],
                change["seq"],
                change["hlc"],
                canonical(change["value"]),
                change.get("context"),
                change.get("replaces"),
            )
            self._applied.add(origin)
            inserts.append(
                (
                    incoming.device_id,
                    incoming.seq,
                    incoming.hlc,
                    kind,
                    record_id,
                    name,
                    incoming.value,
                    canonical(incoming.context) if incoming.context is not None else None,
                    change.get("salt"),
                    canonical(incoming.replaces) if incoming.replaces else None,
                )
            )
            self._highest[incoming.device_id] = max(self._highest.get(incoming.device_id, 0), incoming.seq)
            self._record_changes[record_id].append((name, incoming))
            history = self._fields.setdefault((record_id, name), FieldHistory())
            replaced, rival = history.replaced(incoming), history.rival(incoming)
            history.stamps.append(incoming)
            if not replaced and (rival is None or incoming.order > rival.order):
                updates[kind][record_id][name] = change["value"]
                if name in ("parties", "event_id", OWNER):
                    self._state[record_id][name] = change["value"]
                if rival is not None and rival.value != incoming.value:
                    conflicts.append(self._conflict(kind, record_id, name, winner=incoming, loser=rival))
                (self.counts.updated if self._existing.get(record_id) else self.counts.new)[kind].add(record_id)
            elif not replaced and rival is not None and rival.value != incoming.value:
                conflicts.append(self._conflict(kind, record_id, name, winner=rival, loser=incoming))
            if name == DELETED:
                if history.current() is incoming and change["value"] is True:
                    conflicts.extend(self._edits_lost_to(kind, record_id, incoming))
            else:
                deletion = self._fields.get((record_id, DELETED), FieldHistory()).current()
                if deletion is not None and deletion.value == "true" and not incoming.covered_by(deletion.context):
                    conflicts.append(self._conflict(kind, record_id, name, winner=deletion, loser=incoming))
        if inserts:
            # Straight to the driver: at 100,000 rows SQLAlchemy's per-row parameter handling costs more
            # than SQLite's own work.
            cursor = server.driver_cursor(self.connection)
            server.insert_rows(cursor, "changes", _CHANGE_COLUMNS, inserts)
            cursor.close()
            self.counts.applied += len(inserts)
        for kind, records in updates.items():
            apply_fields(self.connection, kind, records)
        if self._waiting:
            self.connection.exec_driver_sql(server.qmark_sql(self.connection, _INSERT_HELD), self._waiting)
            self._held += len(self._waiting)
            self._waiting = []
        by_kind: dict[str, list[dict]] = defaultdict(list)
        for row in conflicts:
            by_kind[row["kind"]].append(row)
        for kind, rows in by_kind.items():
            self.counts.conflicts[kind] += self._new_conflicts(rows)

    def _new_conflicts(self, rows: list[dict]) -> int:
        """Record conflicts not recorded yet; returns how many were new (counted from what the insert returns:
        a row count after many rows is not reliable on every driver)."""
        statement = server.upsert(Conflict.__table__, self.connection).on_conflict_do_nothing()
        return len(self.connection.execute(statement.returning(Conflict.id), rows).all())

    # ----- SPEC §3: who may relay and who may change -------------------------------------------

    def _refusal(self, change: dict) -> str | None:
        """Why this change may not be held (SPEC §3), or None."""
        author = self.origins.get(change["device_id"])
        if author is None:
            return UNKNOWN_AUTHOR
        if author.revoked_seq is not None and change["seq"] > author.revoked_seq:
            return REVOKED
        if change["record_id"] in self._blocked:
            return WAITING
        state = self._state[change["record_id"]]
        if change["field"] == OWNER:
            return self._owner_refusal(change["device_id"], change["seq"], change["record_id"], change["value"])
        if state["owner"] is None and not state["exists"]:
            return WAITING
        if change["field"] == "parent_id" and change["value"]:  # an optional reference waits for its event
            parent = self._state.get(change["value"])
            if parent is None or (parent["owner"] is None and not parent["exists"]):
                return WAITING
        event = self._state.get(state["event_id"]) if state["event_id"] else None
        standing = Standing(
            state["owner"],
            tuple(state["parties"] or ()),
            event["owner"] if event else None,
            tuple(event["parties"] or ()) if event else (),
        )
        return None if may_change(author, change["field"], standing) else NO_AUTHORITY

    def _refuse(self, change: dict, reason: str) -> None:
        """Not applied; held back to be tried again unless no later import can make it right."""
        if self._retrying:
            return
        device, seq = change["device_id"], change["seq"]
        self.counts.refused.append(
            {
                "device_id": device,
                "seq": seq,
                "kind": change["kind"],
                "record_id": change["record_id"],
                "field": change["field"],
                "reason": reason,
            }
        )
        if reason in (WAITING, NO_AUTHORITY, UNKNOWN_AUTHOR):
            context = change.get("context")
            self._waiting.append(
                (
                    device,
                    seq,
                    change["hlc"],
                    change["kind"],
                    change["record_id"],
                    change["field"],
                    canonical(change["value"]),
                    canonical(context) if context is not None else None,
                    change.get("salt"),
                    canonical(change["replaces"]) if change.get("replaces") else None,
                    reason,
                    self.sender,
                    self._now,
                    len(canonical(change).encode()),
                    self._awaited(change, reason),
                )
            )

    def _awaited(self, change: dict, reason: str) -> str:
        """What a held-back line waits for: its author's key, the record it refers to, or its own record."""
        record_id = change["record_id"]
        if reason == UNKNOWN_AUTHOR:
            return change["device_id"]
        if record_id in self._blocked:
            return self._blocked[record_id]
        state = self._state[record_id]
        if reason == WAITING and (state["owner"] is not None or state["exists"]):
            return change["value"]  # an event's parent, not held yet
        return record_id

    def retry_held_back(self, pinned: Iterable[str] = ()) -> int:
        """Apply the held-back changes that this import may have allowed; returns how many were applied.

        Only lines waiting for what this import brought are tried: for a record it created or whose owner,
        parties or event it changed (or one attached to such an event), or for an installation pinned in
        it (``pinned``); then those the applied lines unblock in turn, until a round applies nothing."""
        total = 0
        since, devices = self._rowid_before, set(pinned)
        self._retrying = True
        try:
            while True:
                rows = self.connection.execute(
                    select(HeldBack).where(_unblocked(since, devices)).order_by(HeldBack.rowid)
                ).all()
                if not rows:
                    return total
                since = self.connection.execute(select(func.max(Change.rowid))).scalar() or 0
                devices = set()
                self._blocked.clear()  # what blocked a record may have arrived: looked at again
                changes = [
                    {
                        "device_id": r.device_id,
                        "seq": r.seq,
                        "hlc": r.hlc,
                        "kind": r.kind,
                        "record_id": r.record_id,
                        "field": r.field,
                        "value": json.loads(r.value),
                        "salt": r.salt,
                        **({"replaces": json.loads(r.replaces)} if r.replaces else {}),
                        **({"context": json.loads(r.context)} if r.context else {}),
                    }
                    for r in rows
                ]
                before = self.counts.applied
                self._merge_lines(changes)
                applied = self.counts.applied - before
                if not applied:
                    return total
                self.connection.execute(
                    delete(HeldBack).where(
                        HeldBack.rowid.in_([r.rowid for r in rows if (r.device_id, r.seq) in self._applied])
                    )
                )
                total += applied
        finally:
            self._retrying = False

    def _known(self, batch: list[dict]) -> set[tuple[str, int]]:
        """The batch's changes this database already holds (one index range per device)."""
        seqs: dict[str, list[int]] = defaultdict(list)
        for change in batch:
            seqs[change["device_id"]].append(change["seq"])
        known: set[tuple[str, int]] = set()
        for device, numbers in seqs.items():
            query = select(Change.seq).where(Change.device_id == device, Change.seq.between(min(numbers), max(numbers)))
            known.update((device, seq) for seq in self.connection.execute(query).scalars())
        return known

    def _load_state(self, batch: list[dict]) -> None:
        """Current winners of every field the batch touches, and whether each record exists."""
        keys = {(c["record_id"], c["field"]) for c in batch} | {(c["record_id"], DELETED) for c in batch}
        missing = [k for k in keys if k not in self._fields]
        for key in missing:
            self._fields[key] = FieldHistory()
        if missing:
            wanted = set(missing)
            query = select(
                Change.record_id,
                Change.field,
                Change.device_id,
                Change.seq,
                Change.hlc,
                Change.value,
                Change.context,
                Change.replaces,
            ).where(Change.record_id.in_({record_id for record_id, _ in missing}))
            for row in self.connection.execute(query):
                if (row.record_id, row.field) in wanted:
                    self._fields[(row.record_id, row.field)].stamps.append(
                        Stamp(
                            row.device_id,
                            row.seq,
                            row.hlc,
                            row.value,
                            json.loads(row.context) if row.context else None,
                            json.loads(row.replaces) if row.replaces else None,
                        )
                    )
        by_kind: dict[str, set[str]] = defaultdict(set)
        for change in batch:
            if change["record_id"] not in self._existing:
                by_kind[change["kind"]].add(change["record_id"])
        events: set[str] = set()
        for kind, ids in by_kind.items():
            self._load_standing(kind, ids)
            events.update(self._state[i]["event_id"] for i in ids if self._state[i]["event_id"])
        events.update(c["value"] for c in batch if c["field"] in ("event_id", "parent_id") and c["value"])
        self._load_standing("event", {e for e in events if e not in self._state})
        self._load_standing(
            "person",
            {c["value"] for c in batch if c["field"] == "person_id" and c["value"] and c["value"] not in self._state},
        )
        # A new participation, action or attachment whose event or person is neither held here nor created
        # in this import waits whole: one record cannot stop the rest of a bundle (SPEC §4.1).
        # A retried line waits too rather than move a record held here onto one not held: nothing retried may
        # make a later bundle fail.
        created = {  # by a claim that stands: another is refused, and leaves its record unmade
            c["record_id"]
            for c in batch
            if c["field"] == OWNER and self._owner_refusal(c["device_id"], c["seq"], c["record_id"], c["value"]) is None
        }
        for change in batch:
            target = change["value"] if change["field"] in ("event_id", "person_id") else None
            may_wait = self._retrying or not self._state[change["record_id"]]["exists"]
            if (
                target
                and may_wait
                and target not in created
                and not (self._state[target]["exists"] or self._state[target]["owner"] is not None)
            ):
                self._blocked[change["record_id"]] = target

    def _load_standing(self, kind: str, ids: set[str]) -> None:
        """Owner, parties and event of records not seen yet in this import, as this database holds them."""
        if not ids:
            return
        table = record_table(kind)
        columns = [table.c.id, table.c.owner]
        columns += [table.c.parties] if "parties" in table.c else []
        columns += [table.c.event_id] if "event_id" in table.c else []
        found = {row.id: row._mapping for row in self.connection.execute(select(*columns).where(table.c.id.in_(ids)))}
        for record_id in ids:
            row = found.get(record_id)
            self._existing[record_id] = row is not None
            self._state[record_id] = {
                "exists": row is not None,
                "owner": row and row["owner"],
                "parties": row and row.get("parties"),
                "event_id": row and row.get("event_id"),
            }

    def _edits_lost_to(self, kind: str, record_id: str, deletion: Stamp) -> list[dict]:
        """Conflicts for the latest edit of each field that the deleting installation had not seen."""
        latest: dict[str, Stamp] = {}
        rows = self.connection.execute(
            select(Change.field, Change.device_id, Change.seq, Change.hlc, Change.value).where(
                Change.record_id == record_id, Change.field != DELETED
            )
        )
        candidates = [(r.field, Stamp(r.device_id, r.seq, r.hlc, r.value)) for r in rows]
        candidates += [(n, s) for n, s in self._record_changes[record_id] if n != DELETED]
        for name, stamp in candidates:
            if not stamp.covered_by(deletion.context) and (name not in latest or stamp.order > latest[name].order):
                latest[name] = stamp
        return [self._conflict(kind, record_id, name, winner=deletion, loser=stamp) for name, stamp in latest.items()]

    def _conflict(self, kind: str, record_id: str, name: str, winner: Stamp, loser: Stamp) -> dict:
        return {
            "kind": kind,
            "record_id": record_id,
            "field": name,
            "winner_value": winner.value,
            "winner_device": winner.device_id,
            "winner_seq": winner.seq,
            "winner_hlc": winner.hlc,
            "loser_value": loser.value,
            "loser_device": loser.device_id,
            "loser_seq": loser.seq,
            "loser_hlc": loser.hlc,
            "detected_at": self._now,
            "status": "open",
        }

    def _check_records(self) -> None:
        """Every record the bundle touched has its required fields (the domain's ``check_record``), and no id
        names records of two kinds; one whose merged fields break a rule tying them together is a clash."""
        touched = select(Change.record_id).where(Change.rowid > self._rowid_before)
        if not self.counts.applied:
            return
        ids: dict[str, Kind] = {}
        for kind in KINDS.values():
            table = record_table(kind.name)
            for row in self.connection.execute(select(table).where(table.c.id.in_(touched))):
                if row.id in ids:
                    raise InputError(
                        _("{id} is the id of two kinds of record: {first} and {second}").format(
                            id=row.id, first=_(ids[row.id].label), second=_(kind.label)
                        )
                    )
                ids[row.id] = kind
                if row.deleted:
                    continue
                record = dict(row._mapping)
                try:
                    check_record(kind, record, changed=set())  # required fields; rules tying fields are clashes
                except ValidationError as error:
                    raise InputError(
                        _("{kind} {id}: {problem}").format(kind=_(kind.label), id=row.id, problem=error)
                    ) from None
                for rule in broken_rules(kind, record):
                    self._clash(kind.name, row.id, rule)

    def _clash(self, kind: str, record_id: str, rule: str) -> None:
        """Keep a record whose merged fields break ``rule`` together as a conflict on it (SPEC §4.3).

        ``field`` and ``winner_*`` name the latest change of the rule's fields, ``loser_field`` and ``loser_*``
        the latest change of another of them that it clashes with (the same change when only one was set)."""
        latest: dict[str, Stamp] = {}
        for row in self.connection.execute(
            select(Change.field, Change.device_id, Change.seq, Change.hlc, Change.value).where(
                Change.record_id == record_id, Change.field.in_(RULES[rule])
            )
        ):
            stamp = Stamp(row.device_id, row.seq, row.hlc, row.value)
            if row.field not in latest or stamp.order > latest[row.field].order:
                latest[row.field] = stamp
        if not latest:
            return
        ordered = sorted(latest.items(), key=lambda item: item[1].order)
        name, winner = ordered[-1]
        other, loser = ordered[-2] if len(ordered) > 1 else ordered[-1]
        clash = {
            **self._conflict(kind, record_id, name, winner=winner, loser=loser),
            "rule": rule,
            "loser_field": other,
        }
        self.counts.conflicts[kind] += self._new_conflicts([clash])

    def _check_references(self) -> None:
        """Every record touched must point at records that exist, here or in the bundle."""
        if not self.counts.applied:
            return
        for kind in KINDS.values():
            table = record_table(kind.name)
            for field in kind.fields:
                if field.ref is None:
                    continue
                target = record_table(field.ref)
                column = table.c[field.name]
                query = (
                    select(table.c.id, column)
                    .where(
                        column.is_not(None),
                        table.c.id.in_(select(Change.record_id).where(Change.rowid > self._rowid_before)),
                    )
                    .where(column.not_in(select(target.c.id)))
                )
                bad = self.connection.execute(query).first()
                if bad is not None:
                    raise InputError(
                        _(
                            "{kind} {id} refers to {target} {ref}, which is neither in this database nor in the bundle"
                        ).format(kind=_(kind.label), id=bad[0], target=_(KINDS[field.ref].label), ref=bad[1])
                    )
            if kind.name in ("participation", "action", "attachment"):
                missing = self.connection.execute(
                    select(table.c.id).where(
                        table.c.event_id.is_(None),
                        table.c.id.in_(select(Change.record_id).where(Change.rowid > self._rowid_before)),
                    )
                ).first()
                if missing is not None:
                    raise InputError(
                        _("{kind} {id} arrived without its event").format(kind=_(kind.label), id=missing[0])
                    )


def _described(cursor, numbers: list[int]) -> list[tuple]:
    """(seq, kind, record_id, field) of the staged lines numbered ``numbers``, by seq."""
    found = []
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        found += cursor.execute(
            f"SELECT seq, kind, record_id, field FROM incoming WHERE n IN ({', '.join('?' * len(chunk))}) ORDER BY seq, n",
            chunk,
        ).fetchall()
    return found


def _derived(record_id: str) -> bool:
    """Whether an id is derived from its creator (a version-5 UUID), not a random one from before format 3."""
    try:
        return uuid.UUID(record_id).version == 5
    except ValueError:
        return False


def drop_lines_after(connection: Connection, device_id: str, seq: int) -> None:
    """Forget every change of ``device_id`` after ``seq`` (a revocation, SPEC §3), applied or waiting, with
    the links and heads that proved them and the conflicts they took part in; then derive the records
    they touched again from the changes that remain."""
    later = (Change.device_id == device_id) & (Change.seq > seq)
    touched: dict[str, set[str]] = defaultdict(set)
    for kind, record_id in connection.execute(select(Change.kind, Change.record_id).where(later).distinct()):
        touched[kind].add(record_id)
    connection.execute(delete(Change).where(later))
    connection.execute(delete(HeldBack).where(HeldBack.device_id == device_id, HeldBack.seq > seq))
    connection.execute(delete(Link).where(Link.device_id == device_id, Link.seq > seq))
    connection.execute(delete(Head).where(Head.device_id == device_id, Head.seq > seq))
    connection.execute(
        delete(Conflict).where(
            ((Conflict.winner_device == device_id) & (Conflict.winner_seq > seq))
            | ((Conflict.loser_device == device_id) & (Conflict.loser_seq > seq))
        )
    )
    for kind, ids in touched.items():
        derive_records(connection, kind, ids)


def derive_records(connection: Connection, kind: str, ids: set[str]) -> None:
    """Rebuild records of one kind from the change log alone (SPEC §4.3); one with no change left, or none that
    made it (the ``owner`` line of an id derived from its creator), is deleted."""
    histories: dict[tuple[str, str], FieldHistory] = defaultdict(FieldHistory)
    for row in connection.execute(
        select(
            Change.record_id, Change.field, Change.device_id, Change.seq, Change.hlc, Change.value, Change.replaces
        ).where(Change.record_id.in_(ids))
    ):
        histories[(row.record_id, row.field)].stamps.append(
            Stamp(
                row.device_id, row.seq, row.hlc, row.value, replaces=json.loads(row.replaces) if row.replaces else None
            )
        )
    table = record_table(kind)
    values: dict[str, dict] = defaultdict(dict)
    for (record_id, name), history in histories.items():
        current = history.current()
        if current is not None:
            values[record_id][name] = json.loads(current.value)
    for record_id in ids:  # no change left, or its creation dropped (a revocation): never made
        if record_id not in values or (_derived(record_id) and OWNER not in values[record_id]):
            values[record_id] = {DELETED: True}
    connection.execute(
        update(table)
        .where(table.c.id.in_(ids))
        .values({column.name: None for column in table.c if column.name != "id"} | {DELETED: False})
    )
    apply_fields(connection, kind, values)


def _unblocked(since: int, devices: set[str]):
    """Held-back lines that changes stored after ``since`` (a ``changes.rowid``) or the newly pinned
    ``devices`` may allow: see ``Merger.retry_held_back``."""
    touched = select(Change.record_id).where(Change.rowid > since, Change.field.in_((OWNER, "parties", "event_id")))
    attached = [
        select(record_table(kind).c.id).where(record_table(kind).c.event_id.in_(touched))
        for kind in ("participation", "action", "attachment")
    ]
    return or_(
        HeldBack.waits_for.in_(touched),
        HeldBack.record_id.in_(touched),
        HeldBack.record_id.in_(union_all(*attached)),
        HeldBack.waits_for.in_(devices),
    )
