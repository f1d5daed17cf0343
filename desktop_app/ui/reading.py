"""What the screens show, read straight from the tables with SQLAlchemy selects (writing goes through ``Desk``).

An engine of its own registers Python functions in SQLite: ``pd_search`` so that search is
case-insensitive in every script (SQLite's ``LIKE`` folds ASCII only), and ``pd_sort_key`` so that
text columns sort by the alphabet of the language in use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import Text, func, literal, select, type_coerce
from sqlalchemy import event as sa_event

from desktop_app import i18n
from desktop_app.domain.desk import Desk
from desktop_app.domain.schema import member_states
from desktop_app.storage import database
from desktop_app.storage.models import Action, Attachment, Change, Event, Participation, Person

EVENTS = Event.__table__
PEOPLE = Person.__table__
PARTICIPATIONS = Participation.__table__
ACTIONS = Action.__table__
ATTACHMENTS = Attachment.__table__


@lru_cache(maxsize=64)
def _parsed(spec: str) -> list:
    return json.loads(spec)


def _search_match(text, codes_text, spec) -> int:
    """SQL ``pd_search(text, codes, spec)``: 1 when every word of ``spec`` is in ``text`` (case-folded) or one of
    its country codes is in ``codes`` (a JSON list as stored)."""
    folded = (text or "").casefold()
    codes_text = codes_text or ""
    for word, codes in _parsed(spec):
        if word not in folded and not any(f'"{code}"' in codes_text for code in codes):
            return 0
    return 1


def _register_functions(dbapi_connection, _record):
    dbapi_connection.create_function("pd_search", 3, _search_match, deterministic=True)
    # Not deterministic: the key follows the language chosen at the moment of the query.
    dbapi_connection.create_function("pd_sort_key", 1, lambda v: i18n.sort_key(v) if isinstance(v, str) else v)


def search_condition(text: str, columns, code_column=None):
    """Every word of ``text`` is in one of ``columns`` (any case, any script) or names a member state in
    ``code_column``; one Python call per row however many words."""
    spec = [[word.casefold(), matching_countries(word) if code_column is not None else []] for word in text.split()]
    joined = func.coalesce(columns[0], "")
    for column in columns[1:]:
        joined = joined.concat(" ").concat(func.coalesce(column, ""))
    codes = type_coerce(code_column, Text) if code_column is not None else literal("")
    return func.pd_search(joined, codes, json.dumps(spec, ensure_ascii=False)) == 1


def _json_text(column):
    """A JSON list column compared as its stored text (``["KZ", "UZ"]``)."""
    return type_coerce(column, Text)


def matching_countries(word: str) -> list[str]:
    """Member states (the parties of the Platform) whose code or name in the current language contains ``word``."""
    folded = word.casefold()
    return [code for code in member_states()
            if folded == code.casefold() or folded in i18n.country_name(code).casefold()]


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
    "title": [func.pd_sort_key(EVENTS.c.title)],
    "type": [EVENTS.c.type],
    "city": [func.pd_sort_key(EVENTS.c.city)],
    "country": [EVENTS.c.country],
    "parties": [EVENTS.c.parties],
    "status": [EVENTS.c.status],
    "participants_total": [EVENTS.c.participants_total],
}
PERSON_SORT = {
    "full_name": [func.pd_sort_key(PEOPLE.c.full_name)],
    "organization": [func.pd_sort_key(PEOPLE.c.organization)],
    "position": [func.pd_sort_key(PEOPLE.c.position)],
    "country": [PEOPLE.c.country],
    "email": [PEOPLE.c.email],
}
ACTION_SORT = {
    "due_date": [ACTIONS.c.due_date],
    "description": [func.pd_sort_key(ACTIONS.c.description)],
    "event_title": [func.pd_sort_key(EVENTS.c.title)],
    "responsible": [func.pd_sort_key(ACTIONS.c.responsible)],
    "responsible_country": [ACTIONS.c.responsible_country],
    "status": [ACTIONS.c.status],
}


def _ordered(query, columns, descending: bool, tie):
    return query.order_by(*[c.desc() if descending else c.asc() for c in columns], tie)


@dataclass
class Reader:
    """Reads for the screens on a separate engine with the functions above; close it with the window."""

    desk: Desk
    engine: object = field(init=False)

    def __post_init__(self):
        self.engine = database.create_sqlite_engine(self.desk.path, database.key_of(self.desk.engine))
        sa_event.listen(self.engine, "connect", _register_functions)
        self._orders: dict[tuple, tuple[object, list[str]]] = {}

    def _sorted_ids(self, key: tuple, ordered, filtered) -> list[str]:
        """Ids in the order of ``ordered`` (kept between calls until the change log grows), narrowed to the
        unordered ``filtered`` select when there is one: a keystroke of search costs one unsorted scan."""
        with self.engine.connect() as connection:
            version = connection.execute(select(func.max(Change.rowid))).scalar()
            key = (*key, i18n.current_language())  # text columns sort by the language's alphabet
            cached = self._orders.get(key)
            if cached is None or cached[0] != version:
                cached = (version, list(connection.execute(ordered).scalars()))
                self._orders[key] = cached
            if filtered is None:
                return list(cached[1])
            matching = set(connection.execute(filtered).scalars())
        return [row_id for row_id in cached[1] if row_id in matching]

    def forget_orders(self) -> None:
        """Drop the remembered orders (after the whole database was replaced)."""
        self._orders.clear()

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
        every = select(EVENTS.c.id).where(EVENTS.c.deleted.is_(False))
        query = every
        if chosen.text.strip():
            query = query.where(search_condition(
                chosen.text, (EVENTS.c.title, EVENTS.c.city, EVENTS.c.outcomes), EVENTS.c.parties))
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
        return self._sorted_ids(("event", sort, descending), _ordered(every, EVENT_SORT[sort], descending, EVENTS.c.id),
                                None if query is every else query)

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
                 .order_by(func.pd_sort_key(PEOPLE.c.full_name)))
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
        every = select(PEOPLE.c.id).where(PEOPLE.c.deleted.is_(False))
        query = every.where(search_condition(
            text, (PEOPLE.c.full_name, PEOPLE.c.organization, PEOPLE.c.position, PEOPLE.c.email))) \
            if text.strip() else None
        return self._sorted_ids(("person", sort, descending),
                                _ordered(every, PERSON_SORT[sort], descending, PEOPLE.c.id), query)

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
        every = self._action_query([ACTIONS.c.id])
        query = every
        if chosen.status:
            query = query.where(ACTIONS.c.status == chosen.status)
        if chosen.responsible_country:
            query = query.where(ACTIONS.c.responsible_country == chosen.responsible_country)
        if chosen.text.strip():
            query = query.where(search_condition(
                chosen.text, (ACTIONS.c.description, ACTIONS.c.responsible, EVENTS.c.title)))
        ordered = every.order_by(ACTIONS.c.due_date.is_(None)) if sort == "due_date" else every
        return self._sorted_ids(("action", sort, descending), _ordered(ordered, ACTION_SORT[sort], descending,
                                                                       ACTIONS.c.id), None if query is every else query)

    def action_rows(self, ids: Iterable[str]) -> dict[str, dict]:
        query = self._action_query([*ACTIONS.c, EVENTS.c.title.label("event_title")])
        return self._rows_by_id(query, ACTIONS.c.id, ids)
