"""Applying incoming changes: per-field last-writer-wins by hybrid logical clock, conflicts kept.

The record tables end up as a pure function of the set of changes held, so
installations that hold the same changes hold the same records whatever the
order of arrival (SPEC §4.1–4.4). A value that loses to a concurrent one is
stored as a conflict; so is an edit made concurrently with a deletion, which
wins regardless of clocks because the record stays deleted.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field as _field
from datetime import datetime, timezone

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desktop_app.domain.changelog import apply_fields, canonical, raise_knowledge, record_table
from desktop_app.domain.errors import InputError, ValidationError
from desktop_app.domain.hlc import Clock
from desktop_app.domain.schema import DELETED, KINDS
from desktop_app.domain.validation import check_record
from desktop_app.i18n import _
from desktop_app.storage.models import Change, Conflict, Installation

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


@dataclass
class MergeCounts:
    new: dict = _field(default_factory=lambda: defaultdict(set))
    updated: dict = _field(default_factory=lambda: defaultdict(set))
    skipped: dict = _field(default_factory=lambda: defaultdict(int))
    conflicts: dict = _field(default_factory=lambda: defaultdict(int))
    suspicious_clocks: set = _field(default_factory=set)
    applied: int = 0


class Merger:
    """Merges a stream of incoming changes into the database inside the caller's transaction."""

    def __init__(self, connection: Connection, sender_vector: dict):
        self.connection = connection
        self.sender_vector = sender_vector
        row = connection.execute(select(Installation.clock)).one()
        self.clock = Clock(row.clock)
        self.counts = MergeCounts()
        self._winners: dict[tuple[str, str], Stamp | None] = {}
        self._seen: set[tuple[str, int]] = set()
        self._existing: dict[str, bool] = {}
        self._record_changes: dict[str, list[tuple[str, Stamp]]] = defaultdict(list)
        self._highest: dict[str, int] = {}
        self._now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._rowid_before = connection.execute(select(func.max(Change.rowid))).scalar() or 0

    # ----- input -----------------------------------------------------------------------------

    def merge(self, changes) -> None:
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
            if origin in known or origin in self._seen:
                self.counts.skipped[kind] += 1
                continue
            self._seen.add(origin)
            if not self.clock.observe(change["hlc"]):
                self.counts.suspicious_clocks.add(change["device_id"])
            incoming = Stamp(change["device_id"], change["seq"], change["hlc"], canonical(change["value"]),
                             change.get("context"))
            inserts.append((incoming.device_id, incoming.seq, incoming.hlc, kind, record_id, name, incoming.value,
                            canonical(incoming.context) if incoming.context is not None else None))
            self._highest[incoming.device_id] = max(self._highest.get(incoming.device_id, 0), incoming.seq)
            self._record_changes[record_id].append((name, incoming))
            current = self._winners.get((record_id, name))
            if current is None or incoming.order > current.order:
                self._winners[(record_id, name)] = incoming
                updates[kind][record_id][name] = change["value"]
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

    def _known(self, batch: list[dict]) -> set[tuple[str, int]]:
        """The batch's changes this database already holds (one index range per origin device)."""
        seqs: dict[str, list[int]] = defaultdict(list)
        for change in batch:
            seqs[change["device_id"]].append(change["seq"])
        known = set()
        for device, numbers in seqs.items():
            query = select(Change.seq).where(Change.device_id == device, Change.seq.between(min(numbers), max(numbers)))
            known.update((device, seq) for seq in self.connection.execute(query).scalars())
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
        for kind, ids in by_kind.items():
            table = record_table(kind)
            found = set(self.connection.execute(select(table.c.id).where(table.c.id.in_(ids))).scalars())
            for record_id in ids:
                self._existing[record_id] = record_id in found

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

