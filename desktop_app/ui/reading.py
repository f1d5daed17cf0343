"""What the screens show, read straight from the tables with SQLAlchemy selects (writing goes through ``Desk``).

A read-only engine of its own registers ``casefold()`` in SQLite so that search is
case-insensitive in every script (SQLite's ``LIKE`` folds ASCII only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Text, and_, func, or_, select, type_coerce
from sqlalchemy import event as sa_event

from desktop_app import i18n
from desktop_app.domain.desk import Desk
from desktop_app.storage import database
from desktop_app.storage.models import Action, Attachment, Event, Participation, Person

EVENTS = Event.__table__
PEOPLE = Person.__table__
PARTICIPATIONS = Participation.__table__
ACTIONS = Action.__table__
ATTACHMENTS = Attachment.__table__
FETCH_CHUNK = 200


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


def _register_functions(dbapi_connection, _record):
    dbapi_connection.create_function("casefold", 1, _casefold, deterministic=True)


def _like_any(text: str) -> str:
    escaped = text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _joined(columns):
    result = func.coalesce(columns[0], "")
    for column in columns[1:]:
        result = result.concat(" ").concat(func.coalesce(column, ""))
    return func.casefold(result)


def _json_text(column):
    """A JSON list column compared as its stored text (``["KZ", "UZ"]``)."""
    return type_coerce(column, Text)


def search_condition(text: str, columns, code_columns=()):
    """Every word of ``text`` appears in one of ``columns`` (case-folded), or names a country in ``code_columns``."""
    haystack = _joined(columns)
    conditions = []
    for word in text.split():
        pattern = _like_any(word)
        alternatives = [haystack.like(pattern, escape="\\")]
        codes = matching_countries(word)
        for column in code_columns:
            alternatives.extend(_json_text(column).like(f'%"{code}"%') for code in codes)
        conditions.append(or_(*alternatives))
    return and_(*conditions) if conditions else None


def matching_countries(word: str) -> list[str]:
    """Member-state and country codes whose code or name (in the current language) contains ``word``."""
    folded = word.casefold()
    territories = i18n.babel_locale().territories
    return [code for code in _country_codes()
            if folded == code.casefold() or folded in territories.get(code, code).casefold()]


def _country_codes() -> list[str]:
    from desktop_app.domain.schema import country_codes

    return sorted(country_codes())


@dataclass
class EventFilter:
    """What the events table shows: search words and the chosen filters (``None`` = any)."""

    text: str = ""
    types: frozenset[str] | None = None
    year: int | None = None
    country: str | None = None
    area: str | None = None
    status: str | None = None


@dataclass
class ActionFilter:
    status: str | None = None
    responsible_country: str | None = None
    text: str = ""


EVENT_SORT = {
    "start_date": [EVENTS.c.start_date, EVENTS.c.title],
    "title": [func.casefold(EVENTS.c.title)],
    "type": [EVENTS.c.type],
    "city": [func.casefold(EVENTS.c.city)],
    "country": [EVENTS.c.country],
    "parties": [EVENTS.c.parties],
    "status": [EVENTS.c.status],
    "participants_total": [EVENTS.c.participants_total],
}
PERSON_SORT = {
    "full_name": [func.casefold(PEOPLE.c.full_name)],
    "organization": [func.casefold(PEOPLE.c.organization)],
    "position": [func.casefold(PEOPLE.c.position)],
    "country": [PEOPLE.c.country],
    "email": [PEOPLE.c.email],
}
ACTION_SORT = {
    "due_date": [ACTIONS.c.due_date],
    "description": [func.casefold(ACTIONS.c.description)],
    "event_title": [func.casefold(EVENTS.c.title)],
    "responsible": [func.casefold(ACTIONS.c.responsible)],
    "responsible_country": [ACTIONS.c.responsible_country],
    "status": [ACTIONS.c.status],
}


def _ordered(query, columns, descending: bool, tie):
    return query.order_by(*[c.desc() if descending else c.asc() for c in columns], tie)


@dataclass
class Reader:
    """Reads for the screens on a separate engine with ``casefold()``; close it with the window."""

    desk: Desk
    engine: object = field(init=False)

    def __post_init__(self):
        self.engine = database.create_sqlite_engine(self.desk.path)
        sa_event.listen(self.engine, "connect", _register_functions)

    def close(self) -> None:
        self.engine.dispose()

    def _all(self, query):
        with self.engine.connect() as connection:
            return connection.execute(query).mappings().all()

    def _ids(self, query) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def _rows_by_id(self, query, id_column, ids: Iterable[str]) -> dict[str, dict]:
        ids = list(ids)
        rows = {}
        with self.engine.connect() as connection:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                for row in connection.execute(query.where(id_column.in_(chunk))).mappings():
                    rows[row["id"]] = dict(row)
        return rows

    # ----- events ----------------------------------------------------------------------------

    def event_ids(self, chosen: EventFilter, sort: str = "start_date", descending: bool = True) -> list[str]:
        query = select(EVENTS.c.id).where(EVENTS.c.deleted.is_(False))
        if chosen.text.strip():
            query = query.where(search_condition(
                chosen.text, (EVENTS.c.title, EVENTS.c.city, EVENTS.c.outcomes), (EVENTS.c.parties,)))
        if chosen.types:
            query = query.where(EVENTS.c.type.in_(sorted(chosen.types)))
        if chosen.year:
            query = query.where(EVENTS.c.start_date.like(f"{chosen.year:04d}-%"))
        if chosen.country:
            query = query.where(EVENTS.c.country == chosen.country)
        if chosen.area:
            query = query.where(_json_text(EVENTS.c.thematic_areas).like(f'%"{chosen.area}"%'))
        if chosen.status:
            query = query.where(EVENTS.c.status == chosen.status)
        return self._ids(_ordered(query, EVENT_SORT[sort], descending, EVENTS.c.id))

    def event_rows(self, ids: Iterable[str]) -> dict[str, dict]:
        return self._rows_by_id(select(EVENTS), EVENTS.c.id, ids)

    def event_years(self) -> list[int]:
        query = select(func.distinct(func.substr(EVENTS.c.start_date, 1, 4))).where(
            EVENTS.c.deleted.is_(False), EVENTS.c.start_date.is_not(None))
        return sorted((int(year) for year in self._ids(query)), reverse=True)

    def events_of_type(self, event_type: str) -> list[dict]:
        """Events of one type, newest first: the conferences a meeting can be held within."""
        return [dict(row) for row in self._all(
            select(EVENTS.c.id, EVENTS.c.title, EVENTS.c.start_date, EVENTS.c.end_date)
            .where(EVENTS.c.deleted.is_(False), EVENTS.c.type == event_type)
            .order_by(EVENTS.c.start_date.desc(), EVENTS.c.title))]

    def event_titles(self, ids: Iterable[str]) -> dict[str, str]:
        return {row["id"]: row["title"] for row in self._all(
            select(EVENTS.c.id, EVENTS.c.title).where(EVENTS.c.id.in_(list(ids))))}

    def nested_events(self, event_id: str) -> list[dict]:
        return [dict(row) for row in self._all(
            select(EVENTS).where(EVENTS.c.deleted.is_(False), EVENTS.c.parent_id == event_id)
            .order_by(EVENTS.c.start_date, EVENTS.c.title))]

    def participants(self, event_id: str) -> list[dict]:
        """The event's participations with each person's name and country."""
        query = (select(PARTICIPATIONS.c.id, PARTICIPATIONS.c.person_id, PARTICIPATIONS.c.role,
                        PARTICIPATIONS.c.attended, PEOPLE.c.full_name, PEOPLE.c.country, PEOPLE.c.organization)
                 .join(PEOPLE, PEOPLE.c.id == PARTICIPATIONS.c.person_id)
                 .where(PARTICIPATIONS.c.event_id == event_id, PARTICIPATIONS.c.deleted.is_(False),
                        PEOPLE.c.deleted.is_(False))
                 .order_by(func.casefold(PEOPLE.c.full_name)))
        return [dict(row) for row in self._all(query)]

    def event_actions(self, event_id: str) -> list[dict]:
        return [dict(row) for row in self._all(
            select(ACTIONS).where(ACTIONS.c.event_id == event_id, ACTIONS.c.deleted.is_(False))
            .order_by(ACTIONS.c.due_date, ACTIONS.c.id))]

    def attachments(self, event_id: str) -> list[dict]:
        return [dict(row) for row in self._all(
            select(ATTACHMENTS).where(ATTACHMENTS.c.event_id == event_id, ATTACHMENTS.c.deleted.is_(False))
            .order_by(ATTACHMENTS.c.filename))]

    # ----- people ----------------------------------------------------------------------------

    def person_ids(self, text: str = "", sort: str = "full_name", descending: bool = False) -> list[str]:
        query = select(PEOPLE.c.id).where(PEOPLE.c.deleted.is_(False))
        if text.strip():
            query = query.where(search_condition(
                text, (PEOPLE.c.full_name, PEOPLE.c.organization, PEOPLE.c.position, PEOPLE.c.email),
                ()))
        return self._ids(_ordered(query, PERSON_SORT[sort], descending, PEOPLE.c.id))

    def person_rows(self, ids: Iterable[str]) -> dict[str, dict]:
        return self._rows_by_id(select(PEOPLE), PEOPLE.c.id, ids)

    def events_of_person(self, person_id: str) -> list[dict]:
        query = (select(EVENTS.c.id, EVENTS.c.title, EVENTS.c.start_date, EVENTS.c.type, PARTICIPATIONS.c.role,
                        PARTICIPATIONS.c.attended)
                 .join(PARTICIPATIONS, PARTICIPATIONS.c.event_id == EVENTS.c.id)
                 .where(PARTICIPATIONS.c.person_id == person_id, PARTICIPATIONS.c.deleted.is_(False),
                        EVENTS.c.deleted.is_(False))
                 .order_by(EVENTS.c.start_date.desc()))
        return [dict(row) for row in self._all(query)]

    # ----- follow-up actions -----------------------------------------------------------------

    def _action_query(self, columns):
        return (select(*columns).join(EVENTS, EVENTS.c.id == ACTIONS.c.event_id)
                .where(ACTIONS.c.deleted.is_(False), EVENTS.c.deleted.is_(False)))

    def action_ids(self, chosen: ActionFilter, sort: str = "due_date", descending: bool = False) -> list[str]:
        query = self._action_query([ACTIONS.c.id])
        if chosen.status:
            query = query.where(ACTIONS.c.status == chosen.status)
        if chosen.responsible_country:
            query = query.where(ACTIONS.c.responsible_country == chosen.responsible_country)
        if chosen.text.strip():
            query = query.where(search_condition(
                chosen.text, (ACTIONS.c.description, ACTIONS.c.responsible, EVENTS.c.title)))
        nulls_last = ACTIONS.c.due_date.is_(None)
        columns = ACTION_SORT[sort]
        query = query.order_by(nulls_last) if sort == "due_date" else query
        return self._ids(_ordered(query, columns, descending, ACTIONS.c.id))

    def action_rows(self, ids: Iterable[str]) -> dict[str, dict]:
        query = self._action_query([*ACTIONS.c, EVENTS.c.title.label("event_title")])
        return self._rows_by_id(query, ACTIONS.c.id, ids)
