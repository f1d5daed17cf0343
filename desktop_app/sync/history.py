"""The history of exports and imports shown on the Sync page."""

from __future__ import annotations

from sqlalchemy import func, select

from desktop_app.domain.desk import Desk
from desktop_app.storage.models import Exchange


def exchange_history(desk: Desk, limit: int = 200) -> list[dict]:
    """Exports and imports, newest first."""
    with desk.engine.connect() as connection:
        rows = connection.execute(select(*Exchange.__table__.c).order_by(Exchange.id.desc()).limit(limit))
        return [dict(row._mapping) for row in rows]


def last_exchange(desk: Desk, direction: str) -> str | None:
    with desk.engine.connect() as connection:
        return connection.execute(select(func.max(Exchange.at)).where(Exchange.direction == direction)).scalar()
