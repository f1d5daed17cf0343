"""Applying incoming changes: per-field last-writer-wins by hybrid logical clock, conflicts kept.

The record tables end up as a pure function of the set of changes held, so
installations that hold the same changes hold the same records whatever the
order of arrival (SPEC §4.1–4.4). A value that loses to a concurrent one is
stored as a conflict; so is an edit made concurrently with a deletion, which
wins regardless of clocks because the record stays deleted.

Before a change is held it must pass SPEC §3: its signer may relay it (a
delegation only its own country's changes, a secretariat everyone's), and its
author may make it (``authority.may_change``). A change that fails the second
test is refused: not applied, listed in the summary, and held back (``HeldBack``)
to be tried again after every import, so that it applies once the installation
holds what makes it allowed (the parties that name its author, say). A change on
a record whose creation is not held yet, or from an installation not known yet,
waits the same way. A line claiming this installation's own changes, or one its
signer may not relay, refuses the whole bundle.

A bundle is first streamed into a temporary table and, as a rule, merged there by a handful of SQL
statements (``merge_sql``): what is held already or diverges from it, who may make each line, the winner
of each field, the conflicts and the new record values. There, admission does not depend on the order of
the lines: owner lines are judged first, then sharing, parties and deletions (the owner's country or a
secretariat only), then every other field against the owner, parties and event the bundle's winning lines
give the record, so a field arriving before its record's ``owner`` line is applied at once rather than
held back and retried. A bundle with a line to refuse or hold back, one from an unknown or revoked
author, one the signer may not relay, or two lines for one field, is merged by the line-by-line rules
below, from the same temporary table; both give the same tables (tests/sync/test_set_based_merge.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import datetime, timezone

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desktop_app.domain import hlc
from desktop_app.domain.authority import SECRETARIAT, Author, Standing, may_change
from desktop_app.domain.changelog import apply_fields, canonical, raise_knowledge, record_table
from desktop_app.domain.hlc import Clock
from desktop_app.domain.schema import DELETED, KINDS, OWNER
from desktop_app.domain.validation import check_record
from desktop_app.errors import InputError, ValidationError
from desktop_app.i18n import _
from desktop_app.storage.models import Change, Conflict, HeldBack, Installation
from desktop_app.sync import merge_sql

BATCH = 2000
_INSERT_CHANGES = ("INSERT INTO changes (device_id, seq, hlc, kind, record_id, field, value, context) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


@dataclass
class Stamp:
    """A change as far as merging needs it."""

    device_id: str
    seq: int
    hlc: str
    value: str  # canonical JSON
    context: dict | None = None

    @property
    def order(self) -> tuple[str, str]:
        return self.hlc, self.device_id

    def covered_by(self, vector: dict | None) -> bool:
        return vector is not None and vector.get(self.device_id, 0) >= self.seq


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


class Merger:
    """Merges a stream of incoming changes into the database inside the caller's transaction.

    ``origins`` maps every installation this one knows (itself included) to its pinned role and
    country; ``signer`` is the bundle's sender and ``me`` this installation's device id. Changes held
    back (whose relay was checked on arrival) are tried again by ``retry_held_back``.
    """

    def __init__(self, connection: Connection, sender_vector: dict, origins: dict[str, Origin], signer: str,
                 me: str):
        self.connection = connection
        self.sender_vector = sender_vector
        self.origins = origins
        self.signer = signer
        self.me = me
        self._state: dict[str, dict] = {}  # record id -> {"owner", "parties", "event_id"} as merged so far
        row = connection.execute(select(Installation.clock)).one()
        self.clock = Clock(row.clock)
        self.counts = MergeCounts()
        self._winners: dict[tuple[str, str], Stamp | None] = {}
        self._seen: dict[tuple[str, int], tuple] = {}
        self._applied: set[tuple[str, int]] = set()
        self._blocked: set[str] = set()  # new records waiting for the event or person they refer to
        self._retrying = False
        self._existing: dict[str, bool] = {}
        self._record_changes: dict[str, list[tuple[str, Stamp]]] = defaultdict(list)
        self._highest: dict[str, int] = {}
        self._now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._rowid_before = connection.execute(select(func.max(Change.rowid))).scalar() or 0
        self.set_based = False  # whether ``merge`` decided in SQL (``merge_sql``) or line by line

    # ----- input -----------------------------------------------------------------------------

    def merge(self, changes) -> None:
        """Stage the bundle's lines, then merge them in SQL, or line by line when they need it."""
        cursor = self.connection.connection.driver_connection.cursor()
        try:
            merge_sql.stage(cursor, changes)
            self.set_based = merge_sql.try_set_based(self, cursor)
            if not self.set_based:
                self._merge_lines(merge_sql.staged(cursor))
            merge_sql.clear(cursor)
        finally:
            cursor.close()

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
            held = known.get(origin) or self._seen.get(origin)
            if held is not None:
                if held != _content(change):  # one device id, two histories: a copied installation
                    self.counts.diverged[change["device_id"]] += 1
                self.counts.skipped[kind] += 1
                continue
            self._check_relay(change)
            reason = self._refusal(change)
            if reason is not None:
                self._refuse(change, reason)
                continue
            self._seen[origin] = _content(change)
            ahead = hlc.ahead_ms(change["hlc"])
            if ahead > hlc.MAX_AHEAD_MS:
                raise InputError(_("change {seq} of installation {device} is stamped {days} days ahead of this "
                                   "computer's clock (at most {limit} are accepted): refused; the date of one of "
                                   "the two computers is wrong").format(
                    seq=change["seq"], device=change["device_id"], days=ahead // 86_400_000,
                    limit=hlc.MAX_AHEAD_MS // 86_400_000))
            if not self.clock.observe(change["hlc"]):
                self.counts.suspicious_clocks.add(change["device_id"])
            incoming = Stamp(change["device_id"], change["seq"], change["hlc"], canonical(change["value"]),
                             change.get("context"))
            self._applied.add(origin)
            inserts.append((incoming.device_id, incoming.seq, incoming.hlc, kind, record_id, name, incoming.value,
                            canonical(incoming.context) if incoming.context is not None else None))
            self._highest[incoming.device_id] = max(self._highest.get(incoming.device_id, 0), incoming.seq)
            self._record_changes[record_id].append((name, incoming))
            current = self._winners.get((record_id, name))
            if current is None or incoming.order > current.order:
                self._winners[(record_id, name)] = incoming
                updates[kind][record_id][name] = change["value"]
                if name in ("parties", "event_id", OWNER):
                    self._state[record_id][name] = change["value"]
                if current is not None and current.value != incoming.value and not current.covered_by(self.sender_vector):
                    conflicts.append(self._conflict(kind, record_id, name, winner=incoming, loser=current))
                (self.counts.updated if self._existing.get(record_id) else self.counts.new)[kind].add(record_id)
            elif current.value != incoming.value and not (
                    current.device_id == incoming.device_id and current.seq > incoming.seq):
                conflicts.append(self._conflict(kind, record_id, name, winner=current, loser=incoming))
            if name == DELETED:
                if self._winners[(record_id, name)] is incoming and change["value"] is True:
                    conflicts.extend(self._edits_lost_to(kind, record_id, incoming))
            else:
                deletion = self._winners.get((record_id, DELETED))
                if deletion is not None and deletion.value == "true" and not incoming.covered_by(deletion.context):
                    conflicts.append(self._conflict(kind, record_id, name, winner=deletion, loser=incoming))
        if inserts:
            # Straight to the driver: at 100,000 rows SQLAlchemy's per-row parameter handling costs more
            # than SQLite's own work.
            self.connection.exec_driver_sql(_INSERT_CHANGES, inserts)
            self.counts.applied += len(inserts)
        for kind, records in updates.items():
            apply_fields(self.connection, kind, records)
        by_kind: dict[str, list[dict]] = defaultdict(list)
        for row in conflicts:
            by_kind[row["kind"]].append(row)
        for kind, rows in by_kind.items():
            result = self.connection.execute(sqlite_insert(Conflict.__table__).on_conflict_do_nothing(), rows)
            self.counts.conflicts[kind] += max(result.rowcount, 0)

    # ----- SPEC §3: who may relay and who may change -------------------------------------------

    def _check_relay(self, change: dict) -> None:
        """Refuse the bundle for a line its signer may not carry, or one claiming this installation's changes."""
        device = change["device_id"]
        if device == self.me:
            raise InputError(_("the bundle claims change {seq} of this installation, which it never made: "
                               "refused").format(seq=change["seq"]))
        if self._retrying:
            return
        signer = self.origins[self.signer]
        if device == self.signer or signer.role == SECRETARIAT:
            return
        author = self.origins.get(device)
        if author is None:
            return  # refused as from an unknown installation, and held back until it is known
        if author.role == SECRETARIAT or author.country != signer.country:
            raise InputError(_("the bundle carries change {seq} of installation {device}, which its sender "
                               "({country}) may not relay: refused").format(
                seq=change["seq"], device=device, country=signer.country))

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
            if state["owner"] is not None:
                return None if state["owner"] == change["value"] else OWNER_FIXED
            return None if author.role == SECRETARIAT or author.tag == change["value"] else NO_AUTHORITY
        if state["owner"] is None and not state["exists"]:
            return WAITING
        if change["field"] == "parent_id" and change["value"]:  # an optional reference waits for its event
            parent = self._state.get(change["value"])
            if parent is None or (parent["owner"] is None and not parent["exists"]):
                return WAITING
        event = self._state.get(state["event_id"]) if state["event_id"] else None
        standing = Standing(state["owner"], tuple(state["parties"] or ()),
                            event["owner"] if event else None, tuple(event["parties"] or ()) if event else ())
        return None if may_change(author, change["field"], standing) else NO_AUTHORITY

    def _refuse(self, change: dict, reason: str) -> None:
        """Not applied; held back to be tried again unless no later import can make it right."""
        if self._retrying:
            return
        device, seq = change["device_id"], change["seq"]
        self.counts.refused.append({"device_id": device, "seq": seq, "kind": change["kind"],
                                    "record_id": change["record_id"], "field": change["field"], "reason": reason})
        if reason in (WAITING, NO_AUTHORITY, UNKNOWN_AUTHOR):
            context = change.get("context")
            self.connection.execute(sqlite_insert(HeldBack).values(
                device_id=device, seq=seq, hlc=change["hlc"], kind=change["kind"], record_id=change["record_id"],
                field=change["field"], value=canonical(change["value"]), reason=reason,
                context=canonical(context) if context is not None else None).on_conflict_do_nothing())

    def retry_held_back(self) -> int:
        """Apply the changes held back that may now be applied; returns how many were."""
        total = 0
        self._retrying = True
        while True:
            rows = self.connection.execute(select(HeldBack).order_by(HeldBack.rowid)).all()
            changes = [{"device_id": r.device_id, "seq": r.seq, "hlc": r.hlc, "kind": r.kind,
                        "record_id": r.record_id, "field": r.field, "value": json.loads(r.value),
                        **({"context": json.loads(r.context)} if r.context else {})} for r in rows]
            before = self.counts.applied
            self._merge_lines(changes)
            applied = self.counts.applied - before
            if applied:
                self.connection.execute(delete(HeldBack).where(HeldBack.rowid.in_(
                    [r.rowid for r in rows if (r.device_id, r.seq) in self._applied])))
            total += applied
            if not applied:
                self._retrying = False
                return total

    def _known(self, batch: list[dict]) -> dict[tuple[str, int], tuple]:
        """The batch's changes this database already holds, with their content (one index range per device)."""
        seqs: dict[str, list[int]] = defaultdict(list)
        for change in batch:
            seqs[change["device_id"]].append(change["seq"])
        known = {}
        for device, numbers in seqs.items():
            query = select(Change.seq, Change.hlc, Change.record_id, Change.field, Change.value).where(
                Change.device_id == device, Change.seq.between(min(numbers), max(numbers)))
            for row in self.connection.execute(query):
                known[(device, row.seq)] = (row.hlc, row.record_id, row.field, row.value)
        return known

    def _load_state(self, batch: list[dict]) -> None:
        """Current winners of every field the batch touches, and whether each record exists."""
        keys = {(c["record_id"], c["field"]) for c in batch} | {(c["record_id"], DELETED) for c in batch}
        missing = [k for k in keys if k not in self._winners]
        for key in missing:
            self._winners[key] = None
        if missing:
            wanted = set(missing)
            query = select(Change.record_id, Change.field, Change.device_id, Change.seq, Change.hlc, Change.value,
                           Change.context).where(Change.record_id.in_({record_id for record_id, _ in missing}))
            for row in self.connection.execute(query):
                if (row.record_id, row.field) not in wanted:
                    continue
                stamp = Stamp(row.device_id, row.seq, row.hlc, row.value,
                              json.loads(row.context) if row.context else None)
                current = self._winners[(row.record_id, row.field)]
                if current is None or stamp.order > current.order:
                    self._winners[(row.record_id, row.field)] = stamp
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
        self._load_standing("person", {c["value"] for c in batch
                                       if c["field"] == "person_id" and c["value"] and c["value"] not in self._state})
        # A new participation, action or attachment whose event or person is neither held here nor created
        # in this import waits whole: one record cannot stop the rest of a bundle (SPEC §4.1).
        created = {c["record_id"] for c in batch if c["field"] == OWNER}
        for change in batch:
            target = change["value"] if change["field"] in ("event_id", "person_id") else None
            if target and not self._state[change["record_id"]]["exists"] and target not in created and not (
                    self._state[target]["exists"] or self._state[target]["owner"] is not None):
                self._blocked.add(change["record_id"])

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
            self._state[record_id] = {"exists": row is not None, "owner": row and row["owner"],
                                      "parties": row and row.get("parties"), "event_id": row and row.get("event_id")}

    def _edits_lost_to(self, kind: str, record_id: str, deletion: Stamp) -> list[dict]:
        """Conflicts for the latest edit of each field that the deleting installation had not seen."""
        latest: dict[str, Stamp] = {}
        rows = self.connection.execute(select(Change.field, Change.device_id, Change.seq, Change.hlc, Change.value)
                                       .where(Change.record_id == record_id, Change.field != DELETED))
        candidates = [(r.field, Stamp(r.device_id, r.seq, r.hlc, r.value)) for r in rows]
        candidates += [(n, s) for n, s in self._record_changes[record_id] if n != DELETED]
        for name, stamp in candidates:
            if not stamp.covered_by(deletion.context) and (name not in latest or stamp.order > latest[name].order):
                latest[name] = stamp
        return [self._conflict(kind, record_id, name, winner=deletion, loser=stamp) for name, stamp in latest.items()]

    def _conflict(self, kind: str, record_id: str, name: str, winner: Stamp, loser: Stamp) -> dict:
        return {
            "kind": kind, "record_id": record_id, "field": name,
            "winner_value": winner.value, "winner_device": winner.device_id, "winner_seq": winner.seq,
            "winner_hlc": winner.hlc, "loser_value": loser.value, "loser_device": loser.device_id,
            "loser_seq": loser.seq, "loser_hlc": loser.hlc, "detected_at": self._now, "status": "open",
        }

    def _check_records(self) -> None:
        """Every record the bundle touched obeys the rules of SPEC §2 as a local write must (the domain's
        ``check_record``), and no id names records of two kinds."""
        touched = select(Change.record_id).where(Change.rowid > self._rowid_before)
        if not self.counts.applied:
            return
        ids = {}
        for kind in KINDS.values():
            table = record_table(kind.name)
            for row in self.connection.execute(select(table).where(table.c.id.in_(touched))):
                if row.id in ids:
                    raise InputError(_("{id} is the id of two kinds of record: {first} and {second}").format(
                        id=row.id, first=_(ids[row.id].label), second=_(kind.label)))
                ids[row.id] = kind
                if row.deleted:
                    continue
                try:
                    check_record(kind, dict(row._mapping))
                except ValidationError as error:
                    raise InputError(_("{kind} {id}: {problem}").format(
                        kind=_(kind.label), id=row.id, problem=error)) from None

    def _check_references(self) -> None:
        """Every record touched must point at records that exist, here or in the bundle."""
        if not self.counts.applied:
            return
        for kind in KINDS.values():
            table = record_table(kind.name)
            for field in kind.fields:
                if field.type != "ref":
                    continue
                target = record_table(field.ref)
                column = table.c[field.name]
                query = (select(table.c.id, column).where(column.is_not(None), table.c.id.in_(
                    select(Change.record_id).where(Change.rowid > self._rowid_before)))
                    .where(column.not_in(select(target.c.id))))
                bad = self.connection.execute(query).first()
                if bad is not None:
                    raise InputError(_("{kind} {id} refers to {target} {ref}, which is neither in this database "
                                       "nor in the bundle").format(kind=_(kind.label), id=bad[0], target=_(KINDS[field.ref].label),
                                                                   ref=bad[1]))
            if kind.name in ("participation", "action", "attachment"):
                missing = self.connection.execute(select(table.c.id).where(
                    table.c.event_id.is_(None), table.c.id.in_(
                        select(Change.record_id).where(Change.rowid > self._rowid_before)))).first()
                if missing is not None:
                    raise InputError(_("{kind} {id} arrived without its event").format(
                        kind=_(kind.label), id=missing[0]))



def _content(change: dict) -> tuple:
    """What must be identical for two lines with one (device, seq) to be the same change."""
    return change["hlc"], change["record_id"], change["field"], canonical(change["value"])
