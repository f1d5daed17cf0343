"""Records as a person recognises them, read through a connection the caller holds: the import preview lists
what a dry run would add or change from inside its transaction, before the rollback (``sync.importing``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from desktop_app.domain.changelog import record_table
from desktop_app.domain.desk import public_record

NAME_FIELDS = {"event": "title", "person": "full_name", "action": "description", "attachment": "filename"}
_CHUNK = 500


def _rows(connection: Connection, kind_name: str, ids: Iterable[str]) -> dict[str, dict]:
    table, wanted = record_table(kind_name), sorted(ids)
    found: dict[str, dict] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = select(table).where(table.c.id.in_(wanted[start : start + _CHUNK]))
        for row in connection.execute(query).mappings():
            found[row["id"]] = public_record(kind_name, dict(row)) | {"deleted": bool(row["deleted"])}
    return found


def described(connection: Connection, kind_name: str, ids: Iterable[str]) -> dict[str, dict]:
    """The records of ``kind_name`` among ``ids`` (deleted ones too, marked ``deleted``), each with its
    ``name``: the title, full name, description or file name; a participation's is its person and event."""
    records = _rows(connection, kind_name, ids)
    if kind_name == "participation":
        people = _rows(connection, "person", {r["person_id"] for r in records.values()})
        events = _rows(connection, "event", {r["event_id"] for r in records.values()})
        for record in records.values():
            person, event = people.get(record["person_id"], {}), events.get(record["event_id"], {})
            record["name"] = f"{person.get('full_name') or '?'} — {event.get('title') or '?'}"
    else:
        for record in records.values():
            record["name"] = record.get(NAME_FIELDS[kind_name]) or record["id"]
    return records
