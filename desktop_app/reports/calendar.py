"""The events as an iCalendar file (RFC 5545) for Outlook and other calendars.

Planned and held events become all-day events: ``DTEND`` is the day after ``end_date`` (exclusive),
``UID`` is the record id so that a re-import updates instead of duplicating, the location is the
city and the country's name in the current language.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from icalendar import Calendar, Event as CalendarEvent
from sqlalchemy import select

from desktop_app import __version__
from desktop_app.domain.schema import EVENT_TYPES
from desktop_app.i18n import _, country_name
from desktop_app.storage.models import Event

CALENDAR_STATUSES = {"planned": "TENTATIVE", "held": "CONFIRMED"}


def build_calendar(desk) -> Calendar:
    """A calendar of every visible planned or held event."""
    calendar = Calendar()
    calendar.add("prodid", f"-//UNODC//Platform Desk {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Platform events"))
    stamp = datetime.now(timezone.utc).replace(microsecond=0)
    with desk.engine.connect() as connection:
        rows = connection.execute(select(Event.__table__).where(
            Event.deleted.is_(False), Event.status.in_(CALENDAR_STATUSES)).order_by(Event.start_date, Event.id))
        for event in rows.mappings():
            item = CalendarEvent()
            item.add("uid", event["id"])
            item.add("dtstamp", stamp)
            item.add("summary", event["title"])
            item.add("dtstart", date.fromisoformat(event["start_date"]))
            item.add("dtend", date.fromisoformat(event["end_date"] or event["start_date"]) + timedelta(days=1))
            location = ", ".join(part for part in (event["city"], country_name(event["country"])) if part)
            if location:
                item.add("location", location)
            item.add("categories", [_(EVENT_TYPES[event["type"]])] if event["type"] in EVENT_TYPES else [])
            item.add("status", CALENDAR_STATUSES[event["status"]])
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
