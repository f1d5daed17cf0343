"""Conflicts (SPEC §4.3–4.4): values that lost a merge, kept for a person to review, keep or restore."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from desktop_app.domain.desk import Desk, put_record
from desktop_app.domain.schema import DELETED
from desktop_app.domain.validation import RULE_LABELS
from desktop_app.errors import InputError, NotFoundError
from desktop_app.i18n import _
from desktop_app.storage.models import Change, Conflict


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
    """Keep the winning value, or restore the losing one as a new change that syncs like any other.

    A clash (a conflict naming a ``rule``) lost no value: it can only be kept (dismissed)."""
    with desk.writing() as writer:
        row = writer.connection.execute(select(*Conflict.__table__.c).where(Conflict.id == conflict_id)).first()
        if row is None:
            raise NotFoundError(_("No conflict has the number {id}").format(id=conflict_id))
        conflict = _decoded(row)
        if restore and conflict["rule"]:
            raise InputError(
                _(
                    "Conflict {id} is a clash between fields of one record ({rule}), not a lost value: "
                    "edit the record to settle it, then keep the conflict"
                ).format(id=conflict_id, rule=_(RULE_LABELS[conflict["rule"]]))
            )
        if restore:
            deleted = writer.connection.execute(
                select(Change.value)
                .where(Change.record_id == conflict["record_id"], Change.field == DELETED)
                .order_by(Change.hlc.desc(), Change.device_id.desc())
                .limit(1)
            ).scalar()
            if deleted == "true" or conflict["field"] == DELETED:
                writer.set(conflict["kind"], conflict["record_id"], DELETED, False)
            if conflict["field"] != DELETED:
                writer.flush()
                put_record(
                    writer, conflict["kind"], {"id": conflict["record_id"], conflict["field"]: conflict["loser_value"]}
                )
        writer.connection.execute(
            update(Conflict).where(Conflict.id == conflict_id).values(status="restored" if restore else "kept")
        )
