"""Changes waiting for what allows them (SPEC §3): bounded per sender, expired, listed and purged.

``merge.Merger`` holds a line back when its record, the event or person it refers to, its author's
authority or its author's key has not arrived yet, and tries it again only when that arrives. Each
waiting line remembers the bundle's signer (``sender``), when it first arrived, its size and what it
waits for. What one sender may leave waiting is bounded (``MAX_HELD_LINES``, ``MAX_HELD_BYTES``: a
bundle that would pass either is refused), and a line waiting longer than ``HELD_DAYS`` is dropped at
the next import. ``held_changes`` lists them (``held``), ``purge`` removes them (``held --purge``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, delete, func, select

from desktop_app.domain.desk import Desk
from desktop_app.errors import one_line
from desktop_app.i18n import N_, _
from desktop_app.storage.models import HeldBack, Peer
from desktop_app.sync.lines import limit_error

MAX_HELD_LINES = 20_000  # lines one sender may leave waiting
MAX_HELD_BYTES = 20_000_000  # bytes of lines one sender may leave waiting
HELD_DAYS = 90  # a line waiting longer is dropped

# Why a line waits (``merge``'s reasons), as a person reads it.
REASON_LABELS = {
    "record_not_held_yet": N_("its record, or the event or person it refers to, has not arrived"),
    "no_authority": N_("its author may not change this record so far"),
    "unknown_installation": N_("its author is not known here yet"),
}


def expire(connection: Connection, now: datetime | None = None) -> int:
    """Drop the lines that have waited longer than ``HELD_DAYS``; returns how many."""
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=HELD_DAYS)
    result = connection.execute(delete(HeldBack).where(HeldBack.held_at < cutoff.isoformat(timespec="seconds")))
    return result.rowcount


def check_quota(connection: Connection, sender: str) -> None:
    """Refuse the bundle being imported if ``sender`` now leaves more waiting than its quota."""
    lines, size = connection.execute(
        select(func.count(), func.coalesce(func.sum(HeldBack.size), 0)).where(HeldBack.sender == sender)
    ).one()
    where = _("changes waiting from installation {device}").format(device=sender)
    if lines > MAX_HELD_LINES:
        raise limit_error(where, "MAX_HELD_LINES", MAX_HELD_LINES)
    if size > MAX_HELD_BYTES:
        raise limit_error(where, "MAX_HELD_BYTES", MAX_HELD_BYTES)


def held_changes(desk: Desk) -> list[dict]:
    """Every waiting line, oldest first: sender, author, record, field, reason, what it waits for, since, bytes."""
    with desk.engine.connect() as connection:
        names = {
            device: one_line(name) for device, name in connection.execute(select(Peer.device_id, Peer.device_name))
        }
        rows = connection.execute(select(HeldBack).order_by(HeldBack.rowid)).all()
    return [
        {
            "sender": row.sender,
            "sender_name": names.get(row.sender),
            "author": row.device_id,
            "author_name": names.get(row.device_id),
            "seq": row.seq,
            "kind": row.kind,
            "record": row.record_id,
            "field": row.field,
            "reason": row.reason,
            "waits_for": row.waits_for,
            "since": row.held_at,
            "bytes": row.size,
        }
        for row in rows
    ]


def purge(desk: Desk, sender: str | None = None) -> int:
    """Remove every waiting line, or those ``sender`` brought; returns how many were removed.

    They come back only if their sender sends them again (``export --full``)."""
    query = delete(HeldBack) if sender is None else delete(HeldBack).where(HeldBack.sender == sender)
    with desk.transaction(write=True) as connection:
        return connection.execute(query).rowcount
