"""The change log: every field of every record, as set by whom and when.

Record tables are a materialised view of this log. Local writes stamp new
changes through ``ChangeWriter``; sync applies remote ones through
``apply_fields``. Both land in the same tables by the same code.
"""

from __future__ import annotations

import json

from sqlalchemy import JSON, Boolean, Connection, Table, func, insert, select, update

from desktop_app.domain.authority import Author
from desktop_app.domain.hlc import Clock
from desktop_app.domain.schema import OWNER
from desktop_app.storage import server
from desktop_app.storage.models import RECORD_MODELS, Change, Coverage, Installation, Knowledge

CHANGES = Change.__table__


def canonical(value) -> str:
    """The one JSON spelling of a value, so equal values compare equal as text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record_table(kind: str) -> Table:
    return RECORD_MODELS[kind].__table__


def apply_fields(connection: Connection, kind: str, updates: dict[str, dict[str, object]]) -> None:
    """Write field values into a kind's table: ``{record_id: {field: value}}``, creating rows as needed.

    Rows go straight to the driver, one ``executemany`` per set of fields: at 100,000 changes
    SQLAlchemy's per-row parameter handling would cost more than SQLite's own work.
    """
    table = record_table(kind)
    groups: dict[tuple[str, ...], list[tuple]] = {}
    for record_id, fields in updates.items():
        names = tuple(sorted(fields))
        groups.setdefault(names, []).append((record_id, *(_stored(table, n, fields[n]) for n in names)))
    for names, rows in groups.items():
        columns = ", ".join(("id", *names))
        marks = server.driver_marks(connection, len(names) + 1)
        action = ("DO UPDATE SET " + ", ".join(f"{n} = excluded.{n}" for n in names)) if names else "DO NOTHING"
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({columns}) VALUES ({marks}) ON CONFLICT (id) {action}", rows)


def _stored(table: Table, name: str, value):
    """A value as SQLAlchemy would store it in that column (JSON text for lists, a bool for booleans)."""
    if value is None:
        return None
    column_type = table.c[name].type
    if isinstance(column_type, JSON):
        return json.dumps(value)
    if isinstance(column_type, Boolean):
        return bool(value)
    return value


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
        self._changes: list[dict] = []
        self._fields: dict[str, dict[str, dict]] = {}
        self._followed: set[str] = set()

    def create(self, kind: str, record_id: str) -> None:
        """Start a new record, owned by this installation's country or the secretariat (SPEC §3)."""
        self.created.add(record_id)
        self.set(kind, record_id, OWNER, self.author.tag)

    def set(self, kind: str, record_id: str, field: str, value, context: dict | None = None) -> None:
        if record_id not in self.created and record_id not in self._followed:
            # A local edit stamps later than every value it may replace, however far ahead those were stamped.
            self._followed.add(record_id)
            latest = self.connection.execute(select(func.max(CHANGES.c.hlc)).where(
                CHANGES.c.record_id == record_id)).scalar()
            if latest is not None:
                self.clock.follow(latest)
        self._changes.append({
            "device_id": self.device_id, "seq": self.next_seq, "hlc": self.clock.tick(),
            "kind": kind, "record_id": record_id, "field": field, "value": canonical(value),
            "context": canonical(context) if context is not None else None, "user": self.user,
        })
        self.next_seq += 1
        self._fields.setdefault(kind, {}).setdefault(record_id, {})[field] = value
        self.pending.setdefault(record_id, (kind, {}))[1][field] = value

    def flush(self) -> None:
        if not self._changes:
            return
        self.connection.execute(insert(CHANGES), self._changes)
        for kind, updates in self._fields.items():
            apply_fields(self.connection, kind, updates)
        self.connection.execute(update(Installation).values(clock=self.clock.stamp, next_seq=self.next_seq))
        for model in (Knowledge, Coverage):  # all of its own changes, held completely
            raise_knowledge(self.connection, {self.device_id: self.next_seq - 1}, model)
        self._changes.clear()
        self._fields.clear()

    @property
    def change_count(self) -> int:
        return len(self._changes)
