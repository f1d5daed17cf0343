"""The change log: every field of every record, as set by whom and when.

Record tables are a materialised view of this log. Local writes stamp new
changes through ``ChangeWriter``; sync applies remote ones through
``apply_fields``. Both land in the same tables by the same code.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable

from sqlalchemy import JSON, Boolean, Connection, Table, select, update

from desktop_app.domain import author_log
from desktop_app.domain.authority import Author
from desktop_app.domain.hlc import Clock
from desktop_app.domain.schema import OWNER, is_variant
from desktop_app.domain.variants import apply_variants, split
from desktop_app.storage import server
from desktop_app.storage.models import RECORD_MODELS, Change, Coverage, Installation, Knowledge, Link

CHANGES = Change.__table__
CHANGE_COLUMNS = (
    "device_id",
    "seq",
    "hlc",
    "kind",
    "record_id",
    "field",
    "value",
    "context",
    "salt",
    "replaces",
    "user",
)
# Most lines have neither context nor replaces: they are written without those columns (NULL by default), since
# binding two NULLs costs the driver as much as two values (a seventh of the time 600,000 lines take to insert).
BRIEF_CHANGE_COLUMNS = tuple(name for name in CHANGE_COLUMNS if name not in ("context", "replaces"))
LINK_COLUMNS = ("device_id", "seq", "prev", "digest", "hash")
SALTS_AT_ONCE = 256  # salts a writer reads from the system's random source at a time
# Record ids are UUIDs derived from their creator (SPEC §3): version 5 of "device_id:seq" of the record's
# first line in this namespace, so that anyone can check an owner claim from the id alone.
RECORD_NAMESPACE = uuid.UUID("6f1c3a52-7d0e-5b8a-9c41-2e8f5d7b3a90")


_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def canonical(value) -> str:
    """The one JSON spelling of a value, so equal values compare equal as text."""
    return _canonical(value)


def record_id_for(device_id: str, seq: int) -> str:
    """The id of the record whose first line is change ``seq`` of ``device_id``."""
    return str(uuid.uuid5(RECORD_NAMESPACE, f"{device_id}:{seq}"))


def record_table(kind: str) -> Table:
    return RECORD_MODELS[kind].__table__


def apply_fields(connection: Connection, kind: str, updates: dict[str, dict[str, object]]) -> None:
    """Write field values into a kind's table: ``{record_id: {field: value}}``, creating rows as needed.

    Rows go straight to the driver, one ``executemany`` per set of fields: at 100,000 changes
    SQLAlchemy's per-row parameter handling would cost more than SQLite's own work.
    """
    table = record_table(kind)
    groups: dict[tuple[str, ...], list[tuple]] = {}
    updates = _apart_from_variants(connection, updates)
    for record_id, fields in updates.items():
        names = tuple(sorted(fields))
        groups.setdefault(names, []).append((record_id, *[fields[n] for n in names]))
    for names, rows in groups.items():
        storing = [(index, store) for index, name in enumerate(names, 1) if (store := _storing(table, name))]
        if storing:
            rows = [_stored(row, storing) for row in rows]
        columns = ", ".join(("id", *names))
        marks = server.driver_marks(connection, len(names) + 1)
        action = ("DO UPDATE SET " + ", ".join(f"{n} = excluded.{n}" for n in names)) if names else "DO NOTHING"
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({columns}) VALUES ({marks}) ON CONFLICT (id) {action}", rows
        )


def _apart_from_variants(connection: Connection, updates: dict[str, dict[str, object]]) -> dict[str, dict]:
    """Writes the ``FIELD@LANG`` variants among ``updates`` (``variants.apply_variants``); returns the rest."""
    if not any(is_variant(name) for fields in updates.values() for name in fields):
        return updates
    own, given = {}, {}
    for record_id, fields in updates.items():
        fields, variants = split(fields)
        if fields:
            own[record_id] = fields
        if variants:
            given[record_id] = variants
    apply_variants(connection, given)
    return own


def _storing(table: Table, name: str) -> Callable[[object], object] | None:
    """How SQLAlchemy would store a value of that column: JSON text for lists, a bool for booleans; ``None``:
    as it is."""
    column_type = table.c[name].type
    if isinstance(column_type, JSON):
        return json.dumps
    if isinstance(column_type, Boolean):
        return bool
    return None


def _stored(row: tuple, storing: list[tuple[int, Callable[[object], object]]]) -> tuple:
    """``row`` with the values at the positions ``storing`` names in their stored form (``None`` stays)."""
    stored = list(row)
    for index, store in storing:
        if stored[index] is not None:
            stored[index] = store(stored[index])
    return tuple(stored)


def version_vector(connection: Connection, model=Knowledge) -> dict[str, int]:
    """What this database holds: the highest sequence number seen from each device (``Knowledge``),
    or held completely (``Coverage``)."""
    return dict(connection.execute(select(model.device_id, model.seq)).all())


def raise_knowledge(connection: Connection, highest: dict[str, int], model=Knowledge) -> None:
    """Record that the database now holds changes up to ``highest[device]`` from each device."""
    if not highest:
        return
    table = model.__table__
    statement = server.upsert(table, connection)
    statement = statement.on_conflict_do_update(
        index_elements=["device_id"],
        set_={"seq": statement.excluded.seq},
        where=table.c.seq < statement.excluded.seq,
    )
    connection.execute(statement, [{"device_id": d, "seq": s} for d, s in highest.items()])


def seen_fields(connection: Connection, record_id: str) -> dict[str, dict[str, int]]:
    """For each field of a record, what a change written now replaces: the highest seq of each installation
    among the changes held and those they replace."""
    fields: dict[str, dict[str, int]] = {}
    for name, device, seq, replaces in connection.execute(
        select(CHANGES.c.field, CHANGES.c.device_id, CHANGES.c.seq, CHANGES.c.replaces).where(
            CHANGES.c.record_id == record_id
        )
    ):
        vector = fields.setdefault(name, {})
        for other, number in ((json.loads(replaces) if replaces else {}) | {device: seq}).items():
            if number > vector.get(other, 0):
                vector[other] = number
    return fields


class ChangeWriter:
    """Stamps local changes with this installation's clock and sequence, and applies them.

    Changes are buffered and written with ``executemany`` on ``flush``; ``pending``
    lets validation see records created earlier in the same transaction.
    """

    def __init__(self, connection: Connection):
        self.connection = connection
        # The row lock numbers changes one writer at a time on a server (SQLite's BEGIN IMMEDIATE already does).
        row = connection.execute(select(Installation).with_for_update()).one()
        self.user = server.session_user(connection)
        self.device_id = row.device_id
        self.author = Author(row.role, row.country)
        self.clock = Clock(row.clock)
        self.next_seq = row.next_seq
        self.pending: dict[str, tuple[str, dict]] = {}  # record id -> (kind, fields written)
        self.created: set[str] = set()  # ids of records created in this transaction
        self.participations: dict[tuple[str, str], str] = {}  # (event, person) -> participation written
        self._changes: list[tuple] = []  # rows of CHANGE_COLUMNS, or of BRIEF_CHANGE_COLUMNS
        self._fields: dict[str, dict[str, dict]] = {}
        self._seen: dict[str, dict[str, dict[str, int]]] = {}  # record id -> field -> what its changes replace
        self._links: list[tuple] = []  # rows of LINK_COLUMNS
        self._salts: list[str] = []  # random salts not used yet
        self._prev = (
            connection.execute(
                select(Link.hash).where(Link.device_id == self.device_id, Link.seq == self.next_seq - 1)
            ).scalar()
            or author_log.GENESIS
        )

    def create(self, kind: str, fields: dict | None = None) -> str:
        """Start a new record, owned by this installation's country or the secretariat (SPEC §3), with
        ``fields`` (validated, none ``None``, the owner not among them) written after its owner in their order;
        its id is derived from this first line (``record_id_for``)."""
        record_id = record_id_for(self.device_id, self.next_seq)
        self.created.add(record_id)
        values = {OWNER: self.author.tag, **(fields or {})}
        self._seen[record_id] = {
            field: {self.device_id: self._line(kind, record_id, field, canonical(value))}
            for field, value in values.items()
        }
        self._fields.setdefault(kind, {})[record_id] = values
        self.pending[record_id] = (kind, dict(values))
        return record_id

    def set(self, kind: str, record_id: str, field: str, value, context: dict | None = None) -> None:
        """Write one field: a new line of this installation's log that names every change of that field it
        replaces (``replaces``: the highest seq of each installation seen), so that it replaces them
        everywhere whatever their clocks say (SPEC §4.3)."""
        fields = self._seen.get(record_id)
        if fields is None:
            fields = self._seen[record_id] = (
                {} if record_id in self.created else seen_fields(self.connection, record_id)
            )
        replaces = fields.setdefault(field, {})
        context_text = canonical(context) if context is not None else None
        seq = self._line(
            kind, record_id, field, canonical(value), context_text, canonical(replaces) if replaces else None
        )
        replaces[self.device_id] = seq  # what the next change of this field replaces
        self._fields.setdefault(kind, {}).setdefault(record_id, {})[field] = value
        self.pending.setdefault(record_id, (kind, {}))[1][field] = value

    def _line(
        self,
        kind: str,
        record_id: str,
        field: str,
        value: str,
        context: str | None = None,
        replaces: str | None = None,
    ) -> int:
        """Stamp, salt, hash and link the next line of this installation's log (``value``, ``context`` and
        ``replaces`` as canonical JSON text, ``None``: absent) and buffer it; returns its seq."""
        if not self._salts:
            self._salts = author_log.new_salts(SALTS_AT_ONCE)
        device_id, seq, stamp, salt = self.device_id, self.next_seq, self.clock.tick(), self._salts.pop()
        digest = author_log.line_digest(  # salted, and linked to the line before
            device_id, seq, stamp, kind, record_id, field, value, salt, context, replaces
        )
        link = author_log.link(device_id, seq, self._prev, digest)
        self._links.append((device_id, seq, self._prev, digest, link))
        self._prev = link
        if context is None and replaces is None:
            self._changes.append((device_id, seq, stamp, kind, record_id, field, value, salt, self.user))
        else:
            self._changes.append(
                (device_id, seq, stamp, kind, record_id, field, value, context, salt, replaces, self.user)
            )
        self.next_seq = seq + 1
        return seq

    def flush(self) -> None:
        if not self._changes:
            return
        # Straight to the driver (COPY on a server): at 50,000 rows SQLAlchemy's handling of each row's
        # parameters costs more than the database's own work.
        cursor = server.driver_cursor(self.connection)
        try:
            for length, lines in itertools.groupby(self._changes, key=len):  # in order, in runs of one shape
                columns = CHANGE_COLUMNS if length == len(CHANGE_COLUMNS) else BRIEF_CHANGE_COLUMNS
                server.insert_rows(cursor, "changes", columns, list(lines))
            server.insert_rows(cursor, "links", LINK_COLUMNS, self._links)
        finally:
            cursor.close()
        for kind, updates in self._fields.items():
            apply_fields(self.connection, kind, updates)
        self.connection.execute(update(Installation).values(clock=self.clock.stamp, next_seq=self.next_seq))
        for model in (Knowledge, Coverage):  # all of its own changes, held completely
            raise_knowledge(self.connection, {self.device_id: self.next_seq - 1}, model)
        self._changes.clear()
        self._links.clear()
        self._fields.clear()

    @property
    def change_count(self) -> int:
        return len(self._changes)
