"""The read model: what the screens, the command line and the reports show, with no Qt.

Every list starts from ``visible_query`` (the one rule of what is visible: not deleted, nor hanging off a
deleted event or person, nor the second of two participations of one person at one event). Search goes
through an in-memory ``SearchIndex`` per list (case- and script-insensitive, see ``search.fold``); text
columns sort by the alphabet of the language in use through the SQL function ``pd_sort_key``, and each
order is kept until the change log grows, so a keystroke costs a scan of the index and of one id list.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache

from sqlalchemy import Engine, Text, cast, func, or_, select
from sqlalchemy import event as sa_event

from desktop_app import i18n
from desktop_app.country_names import MEMBER_STATES
from desktop_app.domain import hlc
from desktop_app.domain.desk import Desk, visible_query
from desktop_app.domain.schema import KINDS, TRANSLATABLE
from desktop_app.domain.search import SearchIndex
from desktop_app.domain.variants import localized, variants_of
from desktop_app.storage import database
from desktop_app.storage.models import Action, Attachment, Change, Event, Installation, Participation, Peer, Person

EVENTS = Event.__table__
PEOPLE = Person.__table__
PARTICIPATIONS = Participation.__table__
ACTIONS = Action.__table__
ATTACHMENTS = Attachment.__table__
OPEN_ACTION_STATUSES = ("open", "in_progress")


def overdue(action: dict, today: date | None = None) -> bool:
    """An action still open or in progress whose due date is before ``today``: the one definition of overdue."""
    due = action.get("due_date")
    today = today or date.today()
    return action.get("status") in OPEN_ACTION_STATUSES and bool(due) and str(due) < today.isoformat()


def in_language(
    connection, records: Iterable[dict], fields: dict[str, str], id_key: str = "id", language: str | None = None
) -> None:
    """Show ``records`` in ``language`` (the current one by default), in place: each key of ``fields`` takes the
    text of the named field in that language (``variants.localized``: ``FIELD@L`` where given, else ``FIELD``),
    of the record whose id is under ``id_key``. ``fields`` maps a row's key to its field: ``{"title": "title"}``,
    or ``{"event_title": "title"}`` with ``id_key="event_id"``."""
    records = [record for record in records if record.get(id_key)]
    language = language or i18n.current_language()
    given = variants_of(connection, {record[id_key] for record in records})
    for record in records:
        variants = given.get(record[id_key])
        if variants:
            for key, name in fields.items():
                record[key] = localized({name: record.get(key), **variants}, name, language)


def translatable(kind_name: str) -> dict[str, str]:
    """The ``fields`` argument of ``in_language`` for every text field of a kind given in several languages."""
    return {name: name for name in TRANSLATABLE.get(kind_name, ())}


def visible(kind_name: str, *columns):
    """``visible_query`` of a kind narrowed to ``columns``, unordered."""
    return visible_query(KINDS[kind_name]).with_only_columns(*columns).order_by(None)


def _register_functions(dbapi_connection, _record):
    # Not deterministic: the key follows the language chosen at the moment of the query.
    dbapi_connection.create_function("pd_sort_key", 1, lambda v: i18n.sort_key(v) if isinstance(v, str) else v)


def _json_text(column):
    """A JSON list column compared as its stored text (``["KZ", "UZ"]``); a cast, since PostgreSQL's driver
    would otherwise hand back the decoded list."""
    return cast(column, Text)


def _joined(*values) -> str:
    return "\n".join(value for value in values if value)


@lru_cache(maxsize=256)
def _country_words(stored: str | None, _language: str) -> str:
    """The member states in a stored JSON list of codes, by code and by name in the language, for search."""
    codes = json.loads(stored) if stored else []
    return " ".join(f"{code} {i18n.country_name(code)}" for code in codes or () if code in MEMBER_STATES)


@dataclass(frozen=True)
class Changes:
    """What a write changed: the kinds and ids of the records (``everything``: the database was replaced)."""

    kinds: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    everything: bool = False

    def touches(self, *kinds: str) -> bool:
        return self.everything or bool(self.kinds.intersection(kinds))

    def __bool__(self) -> bool:
        return self.everything or bool(self.ids)


EVERYTHING = Changes(everything=True)


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


def _in_chunks(ids: Iterable[str], size: int = 500):
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@dataclass
class Reader:
    """The read model of one database, on an engine of its own (with ``pd_sort_key``); close it after use.

    Safe to use from one worker thread at a time besides the GUI thread: each call takes its own connection."""

    desk: Desk
    engine: Engine = field(init=False)

    def __post_init__(self):
        self.engine = database.another_engine(self.desk.engine, self.desk.path)
        if self.engine.dialect.name == "sqlite":
            sa_event.listen(self.engine, "connect", _register_functions)
        self._orders: dict[tuple, tuple[object, list[str]]] = {}
        self._indexes: dict[tuple[str, str], SearchIndex] = {}
        self._index_lock = threading.Lock()  # an index may be warmed on a worker thread

    def version(self, connection=None) -> int | None:
        """The change log's length: every write makes it grow."""
        if connection is None:
            with self.engine.connect() as connection:
                return connection.execute(select(func.max(Change.rowid))).scalar()
        return connection.execute(select(func.max(Change.rowid))).scalar()

    def changed_since(self, version: int | None) -> set[str]:
        """Ids of the records changed after ``version`` of the change log."""
        return set(self.changes_since(version).ids)

    def changes_since(self, version: int | None) -> Changes:
        """What was written after ``version`` of the change log (everything, if the log got shorter)."""
        with self.engine.connect() as connection:
            if (self.version(connection) or 0) < (version or 0):
                return EVERYTHING  # a backup restored: the log itself was replaced
            rows = connection.execute(
                select(Change.kind, Change.record_id).distinct().where(Change.rowid > (version or 0))
            ).all()
        return Changes(frozenset(kind for kind, _id in rows), frozenset(record_id for _kind, record_id in rows))

    def _sorted_ids(self, key: tuple, ordered, matching: set[str] | None) -> list[str]:
        """Ids in the order of ``ordered`` (kept between calls until the change log grows), narrowed to
        ``matching`` when given: a keystroke of search costs one pass over the remembered order."""
        key = (*key, i18n.current_language())  # text columns sort by the language's alphabet
        with self.engine.connect() as connection:
            version = self.version(connection)
            cached = self._orders.get(key)
            if cached is None or cached[0] != version:
                cached = (version, list(connection.execute(ordered).scalars()))  # one fetch, not one per row
                self._orders[key] = cached
        ids = cached[1]
        if matching is None:
            return list(ids)
        return [row_id for row_id in ids if row_id in matching]

    def _narrowed(self, filtered, text: str, list_name: str) -> set[str] | None:
        """The ids of the unordered select ``filtered`` (None: no filter) that also match the search ``text``
        (None: all of them)."""
        matching = None
        if text.strip():
            matching = self.search(list_name, text)
        if filtered is not None:
            with self.engine.connect() as connection:
                chosen = set(connection.execute(filtered).scalars())
            matching = chosen if matching is None else matching & chosen
        return matching

    def forget_orders(self) -> None:
        """Drop the remembered orders and search indexes (after the whole database was replaced)."""
        self._orders.clear()
        self._indexes.clear()

    def close(self) -> None:
        self.engine.dispose()

    def _all(self, query):
        with self.engine.connect() as connection:
            return connection.execute(query).mappings().all()

    def _ids(self, query) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def _rows_by_id(
        self, query, id_column, ids: Iterable[str], kind_name: str, related: tuple[dict[str, str], str] | None = None
    ) -> dict[str, dict]:
        """Rows in the current language (``in_language``), and their ``related`` fields (``fields``, id key)."""
        rows = {}
        with self.engine.connect() as connection:
            for chunk in _in_chunks(ids):
                for row in connection.execute(query.where(id_column.in_(chunk))).mappings():
                    rows[row["id"]] = dict(row)
            in_language(connection, rows.values(), translatable(kind_name))
            if related:
                in_language(connection, rows.values(), *related)
        return rows

    def _in_language(self, rows: list[dict], fields: dict[str, str], id_key: str = "id") -> list[dict]:
        with self.engine.connect() as connection:
            in_language(connection, rows, fields, id_key)
        return rows

    # ----- search ----------------------------------------------------------------------------

    def _search_texts(self, list_name: str, ids: Iterable[str] | None) -> dict[str, str]:
        """The searchable text of each row of a list (``ids``: only rows among or depending on these records)."""
        if list_name == "event":
            query = visible(
                "event",
                EVENTS.c.id,
                EVENTS.c.title,
                EVENTS.c.city,
                EVENTS.c.outcomes,
                _json_text(EVENTS.c.parties).label("parties"),
            )
            language = i18n.current_language()
            text = lambda r: _joined(r[1], r[2], r[3], _country_words(r[4], language))  # noqa: E731
            depends: tuple = (EVENTS.c.id,)
        elif list_name == "person":
            query = visible(
                "person", PEOPLE.c.id, PEOPLE.c.full_name, PEOPLE.c.organization, PEOPLE.c.position, PEOPLE.c.email
            )
            text = lambda r: _joined(r[1], r[2], r[3], r[4])  # noqa: E731
            depends = (PEOPLE.c.id,)
        else:
            query = visible("action", ACTIONS.c.id, ACTIONS.c.description, ACTIONS.c.responsible, EVENTS.c.title).join(
                EVENTS, EVENTS.c.id == ACTIONS.c.event_id
            )
            text = lambda r: _joined(r[1], r[2], r[3])  # noqa: E731
            depends = (ACTIONS.c.id, ACTIONS.c.event_id)
        with self.engine.connect() as connection:
            if ids is None:
                found = {row[0]: text(row) for row in connection.execute(query)}
            else:
                found = {}
                for chunk in _in_chunks(ids):
                    narrowed = query.where(or_(*(column.in_(chunk) for column in depends)))
                    found.update((row[0], text(row)) for row in connection.execute(narrowed))
            for record_id, variants in variants_of(connection, found).items():  # found in any of its languages
                found[record_id] = _joined(found[record_id], *variants.values())
            return found

    def search_index(self, list_name: str) -> SearchIndex:
        """The up-to-date search index of ``event``, ``person`` or ``action`` in the current language."""
        key = (list_name, i18n.current_language())  # country names are searched in the language shown
        with self._index_lock:
            index = self._indexes.get(key)
            if index is None:
                index = self._indexes[key] = SearchIndex(lambda ids: self._search_texts(list_name, ids))
            index.update(self.version(), self.changed_since)
        return index

    def search(self, list_name: str, text: str) -> set[str] | None:
        """Ids of the rows of ``list_name`` matching ``text`` (None: every row matches)."""
        return self.search_index(list_name).search(text)

    # ----- events ----------------------------------------------------------------------------

    def event_ids(self, chosen: EventFilter, sort: str = "start_date", descending: bool = True) -> list[str]:
        every = visible("event", EVENTS.c.id)
        query = every
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
        matching = self._narrowed(None if query is every else query, chosen.text, "event")
        return self._sorted_ids(
            ("event", sort, descending), _ordered(every, EVENT_SORT[sort], descending, EVENTS.c.id), matching
        )

    def event_rows(self, ids: Iterable[str]) -> dict[str, dict]:
        return self._rows_by_id(select(EVENTS), EVENTS.c.id, ids, "event")

    def event_years(self) -> list[int]:
        query = visible("event", func.distinct(func.substr(EVENTS.c.start_date, 1, 4))).where(
            EVENTS.c.start_date.is_not(None)
        )
        return sorted((int(year) for year in self._ids(query)), reverse=True)

    def events_of_type(self, event_type: str) -> list[dict]:
        """Events of one type, newest first: the conferences a meeting can be held within."""
        return [
            dict(row)
            for row in self._all(
                visible("event", EVENTS.c.id, EVENTS.c.title, EVENTS.c.start_date, EVENTS.c.end_date)
                .where(EVENTS.c.type == event_type)
                .order_by(EVENTS.c.start_date.desc(), EVENTS.c.title)
            )
        ]

    def event_titles(self, ids: Iterable[str]) -> dict[str, str]:
        rows = self._in_language(
            [dict(row) for row in self._all(select(EVENTS.c.id, EVENTS.c.title).where(EVENTS.c.id.in_(list(ids))))],
            {"title": "title"},
        )
        return {row["id"]: row["title"] for row in rows}

    def nested_events(self, event_id: str) -> list[dict]:
        return self._in_language(
            [
                dict(row)
                for row in self._all(
                    visible("event", *EVENTS.c)
                    .where(EVENTS.c.parent_id == event_id)
                    .order_by(EVENTS.c.start_date, EVENTS.c.title)
                )
            ],
            translatable("event"),
        )

    def participants(self, event_id: str) -> list[dict]:
        """The event's visible participations (one per person) with each person's name and country."""
        query = (
            visible(
                "participation",
                PARTICIPATIONS.c.id,
                PARTICIPATIONS.c.person_id,
                PARTICIPATIONS.c.role,
                PARTICIPATIONS.c.attended,
                PEOPLE.c.full_name,
                PEOPLE.c.country,
                PEOPLE.c.organization,
            )
            .join(PEOPLE, PEOPLE.c.id == PARTICIPATIONS.c.person_id)
            .where(PARTICIPATIONS.c.event_id == event_id)
            .order_by(func.pd_sort_key(PEOPLE.c.full_name), PARTICIPATIONS.c.id)
        )
        return self._in_language(
            [dict(row) for row in self._all(query)],
            {"full_name": "full_name", "organization": "organization"},
            "person_id",
        )

    def event_actions(self, event_id: str) -> list[dict]:
        return self._in_language(
            [
                dict(row)
                for row in self._all(
                    visible("action", *ACTIONS.c)
                    .where(ACTIONS.c.event_id == event_id)
                    .order_by(ACTIONS.c.due_date, ACTIONS.c.id)
                )
            ],
            translatable("action"),
        )

    def attachments(self, event_id: str) -> list[dict]:
        return [
            dict(row)
            for row in self._all(
                visible("attachment", *ATTACHMENTS.c)
                .where(ATTACHMENTS.c.event_id == event_id)
                .order_by(ATTACHMENTS.c.filename)
            )
        ]

    # ----- history ---------------------------------------------------------------------------

    def history(self, record_id: str) -> list[dict]:
        """Every change of one record held here, newest first: when (``at``, UTC), which installation made it
        (``installation``: its name), who there (``user``: the server role or the computer's user, for the
        changes this installation made since it records them), the field and its value."""
        with self.engine.connect() as connection:
            names = dict(connection.execute(select(Installation.device_id, Installation.device_name)).tuples().all())
            names |= dict(connection.execute(select(Peer.device_id, Peer.device_name)).tuples().all())
            rows = connection.execute(
                select(Change.hlc, Change.device_id, Change.user, Change.field, Change.value)
                .where(Change.record_id == record_id)
                .order_by(Change.hlc.desc(), Change.device_id.desc())
            ).tuples()
            return [
                {
                    "at": datetime.fromtimestamp(hlc.decode(stamp)[0] / 1000, timezone.utc),
                    "installation": names.get(device, device),
                    "user": user,
                    "field": name,
                    "value": json.loads(value),
                }
                for stamp, device, user, name, value in rows
            ]

    # ----- people ----------------------------------------------------------------------------

    def person_ids(self, text: str = "", sort: str = "full_name", descending: bool = False) -> list[str]:
        every = visible("person", PEOPLE.c.id)
        return self._sorted_ids(
            ("person", sort, descending),
            _ordered(every, PERSON_SORT[sort], descending, PEOPLE.c.id),
            self._narrowed(None, text, "person"),
        )

    def person_rows(self, ids: Iterable[str]) -> dict[str, dict]:
        return self._rows_by_id(select(PEOPLE), PEOPLE.c.id, ids, "person")

    def events_of_person(self, person_id: str) -> list[dict]:
        query = (
            visible(
                "participation",
                EVENTS.c.id,
                EVENTS.c.title,
                EVENTS.c.start_date,
                EVENTS.c.type,
                PARTICIPATIONS.c.role,
                PARTICIPATIONS.c.attended,
            )
            .join(EVENTS, PARTICIPATIONS.c.event_id == EVENTS.c.id)
            .where(PARTICIPATIONS.c.person_id == person_id)
            .order_by(EVENTS.c.start_date.desc(), EVENTS.c.id)
        )
        return self._in_language([dict(row) for row in self._all(query)], {"title": "title"})

    # ----- follow-up actions -----------------------------------------------------------------

    def _action_query(self, columns):
        return visible("action", *columns).join(EVENTS, EVENTS.c.id == ACTIONS.c.event_id)

    def action_ids(self, chosen: ActionFilter, sort: str = "due_date", descending: bool = False) -> list[str]:
        every = self._action_query([ACTIONS.c.id])
        query = every
        if chosen.status:
            query = query.where(ACTIONS.c.status == chosen.status)
        if chosen.responsible_country:
            query = query.where(ACTIONS.c.responsible_country == chosen.responsible_country)
        ordered = every.order_by(ACTIONS.c.due_date.is_(None)) if sort == "due_date" else every
        return self._sorted_ids(
            ("action", sort, descending),
            _ordered(ordered, ACTION_SORT[sort], descending, ACTIONS.c.id),
            self._narrowed(None if query is every else query, chosen.text, "action"),
        )

    def action_rows(self, ids: Iterable[str]) -> dict[str, dict]:
        query = self._action_query([*ACTIONS.c, EVENTS.c.title.label("event_title")])
        return self._rows_by_id(query, ACTIONS.c.id, ids, "action", ({"event_title": "title"}, "event_id"))

    def overdue_action_ids(self, today: date | None = None) -> list[str]:
        """Visible actions that are overdue, by due date."""
        rows = self._all(
            self._action_query([ACTIONS.c.id, ACTIONS.c.due_date, ACTIONS.c.status]).order_by(
                ACTIONS.c.due_date, ACTIONS.c.id
            )
        )
        return [row["id"] for row in rows if overdue(row, today)]
