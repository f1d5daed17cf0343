"""Printable sheets for one event, in the current language: an attendance sheet to sign and
certificates of participation, as A4 landscape PDFs rendered with Qt like the report."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from desktop_app.domain.errors import InputError
from desktop_app.domain.schema import GENDERS, ROLES
from desktop_app.i18n import _, country_name, format_date
from desktop_app.reports.data import visible_records
from desktop_app.reports.printing import escape, write_pdf_document
from desktop_app.storage.models import Participation, Person

BLANK_ROWS = 8  # empty lines at the end of an attendance sheet, for people not registered
PAGE_BREAK = ' style="page-break-before: always;"'


def event_people(desk, event_id: str, attended_only: bool = False) -> tuple[dict, list[dict]]:
    """The event and its visible participants (person fields plus ``role`` and ``attended``), by name."""
    event = desk.get(event_id)
    if event["kind"] != "event":
        raise InputError(_("“{id}” is not an event").format(id=event_id))
    participations = visible_records("participation").where(Participation.event_id == event_id)
    if attended_only:
        participations = participations.where(Participation.attended.is_(True))
    participations = participations.subquery()
    query = (select(Person.__table__, participations.c.role, participations.c.attended)
             .join(participations, participations.c.person_id == Person.id)
             .order_by(Person.full_name, Person.id))
    with desk.engine.connect() as connection:
        people = [dict(row) for row in connection.execute(query).mappings()]
    return event, people


def event_dates(event: dict) -> str:
    """``12 March 2025`` or ``12 March 2025 – 14 March 2025``."""
    if event["end_date"] and event["end_date"] != event["start_date"]:
        return _("{start} – {end}").format(start=format_date(event["start_date"]), end=format_date(event["end_date"]))
    return format_date(event["start_date"])


def event_place(event: dict) -> str:
    return ", ".join(part for part in (event["venue"], event["city"], country_name(event["country"])) if part)


def attendance_sheet_html(event: dict, people: list[dict]) -> str:
    headers = ["№", _("Full name"), _("Organization"), _("Position"), _("Gender"), _("Signature")]
    widths = [4, 24, 26, 18, 10, 18]
    head = "".join(f'<th align="left" width="{w}%">{escape(h)}</th>' for h, w in zip(headers, widths))
    rows = []
    for number, person in enumerate(people, start=1):
        cells = [number, person["full_name"], person["organization"], person["position"],
                 _(GENDERS[person["gender"]]) if person["gender"] in GENDERS else ""]
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "<td>&nbsp;<br>&nbsp;</td></tr>")
    for number in range(len(people) + 1, len(people) + BLANK_ROWS + 1):
        rows.append(f"<tr><td>{number}</td>" + "<td>&nbsp;<br>&nbsp;</td>" * 5 + "</tr>")
    return (f"<h2>{escape(_('Attendance sheet'))}</h2>"
            f"<p><b>{escape(event['title'])}</b><br>{escape(event_dates(event))}"
            f"{'<br>' + escape(event_place(event)) if event_place(event) else ''}</p>"
            f'<table width="100%" cellspacing="0" cellpadding="6" border="1" style="border-collapse: collapse;">'
            f'<thead><tr style="background-color: #e8eef5;">{head}</tr></thead>{"".join(rows)}</table>')


def certificate_html(event: dict, person: dict, new_page: bool) -> str:
    role = _(ROLES[person["role"]]) if person["role"] in ROLES and person["role"] != "participant" else ""
    place = event_place(event)
    return (
        f'<div align="center"{PAGE_BREAK if new_page else ""}>'
        f'<p style="font-size: 30pt; margin-top: 60px;"><b>{escape(_("Certificate of participation"))}</b></p>'
        f'<p style="font-size: 14pt; margin-top: 30px;">{escape(_("This is to certify that"))}</p>'
        f'<p style="font-size: 24pt;"><b>{escape(person["full_name"])}</b></p>'
        + (f'<p style="font-size: 12pt;">{escape(person["organization"])}</p>' if person["organization"] else "")
        + f'<p style="font-size: 14pt; margin-top: 20px;">{escape(_("took part in"))}</p>'
        f'<p style="font-size: 18pt;"><b>{escape(event["title"])}</b></p>'
        + (f'<p style="font-size: 14pt;">{escape(_("Role: {role}").format(role=role))}</p>' if role else "")
        + f'<p style="font-size: 14pt;">{escape(event_dates(event))}{", " + escape(place) if place else ""}</p>'
        + (f'<p style="font-size: 12pt; margin-top: 40px;">{escape(event["organizer"])}</p>'
           if event["organizer"] else "")
        + "</div>")


def write_attendance_sheet(desk, event_id: str, path: Path) -> int:
    """An attendance sheet listing the event's registered people, with blank lines; returns how many."""
    event, people = event_people(desk, event_id)
    write_pdf_document(attendance_sheet_html(event, people), path, _("Attendance sheet"), landscape=True)
    return len(people)


def write_certificates(desk, event_id: str, path: Path) -> int:
    """One certificate page for each person who attended the event; returns how many."""
    event, people = event_people(desk, event_id, attended_only=True)
    if not people:
        raise InputError(_("Nobody is recorded as having attended “{title}”").format(title=event["title"]))
    body = "".join(certificate_html(event, person, new_page=index > 0) for index, person in enumerate(people))
    write_pdf_document(body, path, _("Certificates of participation"), landscape=True,
                       page_numbers=False)
    return len(people)
