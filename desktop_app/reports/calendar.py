"""The events as an iCalendar file (RFC 5545) for Outlook and other calendars.

Every event is an all-day event: ``DTEND`` is the day after ``end_date`` (exclusive), ``UID`` is the
record id so that a re-import updates instead of duplicating, the location is the city and the
country's name in the current language. A cancelled event is sent with ``STATUS:CANCELLED`` so that
calendars that hold it mark it cancelled; a planned or postponed one is tentative.

Outlook and Thunderbird replace an event they hold only when ``SEQUENCE`` grows or, at an equal
sequence, ``LAST-MODIFIED`` is later. Both come from the change log (read only): the sequence is the
number of field changes the event has had after its creation, and LAST-MODIFIED the wall-clock time
of the latest change, so every installation that holds the same changes writes the same values.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import groupby
from pathlib import Path

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import select

from desktop_app import __version__
from desktop_app.domain.hlc import decode
from desktop_app.domain.reading import in_language, translatable
from desktop_app.domain.schema import EVENT_TYPES
from desktop_app.i18n import _, country_name
from desktop_app.storage.models import Change, Event

CALENDAR_STATUSES = {"planned": "TENTATIVE", "postponed": "TENTATIVE", "held": "CONFIRMED", "cancelled": "CANCELLED"}


def revisions(connection) -> dict[str, tuple[int, datetime]]:
    """Event id → (SEQUENCE, LAST-MODIFIED) from the change log.

    The sequence counts the field changes after the event's creation (the first put: the creating
    installation's run of consecutive change numbers), so every later edit raises it."""
    rows = connection.execute(
        select(Change.record_id, Change.device_id, Change.seq, Change.hlc)
        .where(Change.kind == "event")
        .order_by(Change.record_id, Change.hlc, Change.device_id)
    )
    result = {}
    for record_id, changes in groupby(rows, key=lambda row: row[0]):
        changes = list(changes)
        _record, creator, first_seq, _first_hlc = changes[0]
        created = {first_seq}
        for _r, device, seq, _hlc in changes[1:]:
            if device == creator and seq == max(created) + 1:
                created.add(seq)
        latest = max(change[3] for change in changes)
        result[record_id] = (
            len(changes) - len(created),
            datetime.fromtimestamp(decode(latest)[0] // 1000, timezone.utc),
        )
    return result


def build_calendar(desk) -> Calendar:
    """A calendar of every visible event, cancelled ones included."""
    calendar = Calendar()
    calendar.add("prodid", f"-//UNODC//Platform Desk {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Platform events"))
    stamp = datetime.now(timezone.utc).replace(microsecond=0)
    with desk.engine.connect() as connection:
        changed = revisions(connection)
        events = [
            dict(row)
            for row in connection.execute(
                select(Event.__table__).where(Event.deleted.is_(False)).order_by(Event.start_date, Event.id)
            ).mappings()
        ]
        in_language(connection, events, translatable("event"))
        for event in events:
            item = CalendarEvent()
            item.add("uid", event["id"])
            item.add("dtstamp", stamp)
            sequence, modified = changed.get(event["id"], (0, stamp))
            item.add("sequence", sequence)
            item.add("last-modified", modified)
            item.add("summary", event["title"])
            item.add("dtstart", date.fromisoformat(event["start_date"]))
            item.add("dtend", date.fromisoformat(event["end_date"] or event["start_date"]) + timedelta(days=1))
            location = ", ".join(part for part in (event["city"], country_name(event["country"])) if part)
            if location:
                item.add("location", location)
            item.add("categories", [_(EVENT_TYPES[event["type"]])] if event["type"] in EVENT_TYPES else [])
            item.add("status", CALENDAR_STATUSES.get(event["status"], "TENTATIVE"))
            item.add("transp", "TRANSPARENT")
            if event["description"]:
                item.add("description", event["description"])
            calendar.add_component(item)
    return calendar


def write_calendar(desk, path: Path) -> int:
    """Write the calendar to ``path``; returns the number of events in it."""
    calendar = build_calendar(desk)
    Path(path).write_bytes(calendar.to_ical())
    return len(calendar.subcomponents)
