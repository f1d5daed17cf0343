"""A report as translated tables: the key figures, the four record tables and the chart series.

Values keep their type (``date``, ``int``, ``str``) so that each format writes real date and number
cells; enumerations and countries are translated into the current language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop_app.domain.schema import ACTION_STATUSES, EVENT_TYPES, KINDS, ROLES, THEMATIC_AREAS
from desktop_app.i18n import N_, _, country_name, format_date
from desktop_app.reports.data import Report

TABLE_TITLES = {
    "events": N_("Events"),
    "participations": N_("Participations"),
    "people": N_("People"),
    "actions": N_("Follow-up actions"),
}
# (kind, field) of each column; a field of another kind is looked up through the row's event or person.
COLUMNS = {
    "events": [
        ("event", f)
        for f in (
            "start_date",
            "end_date",
            "type",
            "title",
            "status",
            "city",
            "country",
            "parties",
            "thematic_areas",
            "participants_total",
            "participants_women",
            "participants_men",
            "international_experts",
            "organizer",
        )
    ],
    "participations": [
        ("event", "start_date"),
        ("event", "title"),
        ("person", "full_name"),
        ("person", "organization"),
        ("participation", "role"),
        ("participation", "attended"),
    ],
    "people": [("person", f) for f in ("full_name", "position", "organization", "country", "gender", "email")],
    "actions": [
        ("event", "title"),
        ("action", "description"),
        ("action", "responsible"),
        ("action", "responsible_country"),
        ("action", "due_date"),
        ("action", "status"),
    ],
}
OWN_KIND = {"events": "event", "participations": "participation", "people": "person", "actions": "action"}


@dataclass
class Table:
    name: str
    title: str
    fields: list[str]
    headers: list[str]
    types: list[str]  # "date", "number" or "text" for each column
    rows: list[list]


@dataclass
class Chart:
    title: str
    bars: list[tuple[str, int]]


def cell(field_type: str, codes: dict | None, value):
    """One stored value as a typed, translated cell."""
    if value is None or value == []:
        return None
    if field_type == "date":
        return date.fromisoformat(value)
    if field_type == "count":
        return value
    if field_type == "code":
        return _(codes[value]) if value in codes else value
    if field_type == "code_list":
        return ", ".join(_(codes[v]) if v in codes else v for v in value)
    if field_type == "country":
        return country_name(value)
    if field_type == "country_list":
        return ", ".join(country_name(v) for v in value)
    if field_type == "bool":
        return _("Yes") if value else _("No")
    return value


def _column_type(field_type: str) -> str:
    return {"date": "date", "count": "number"}.get(field_type, "text")


def table(report: Report, name: str) -> Table:
    """One of ``events``, ``participations``, ``people``, ``actions`` as translated, typed rows."""
    events = {e["id"]: e for e in report.events}
    people = {p["id"]: p for p in report.people}
    columns = COLUMNS[name]
    rows = []
    for record in getattr(report, name):
        related = {
            "event": events.get(record.get("event_id")),
            "person": people.get(record.get("person_id")),
            OWN_KIND[name]: record,
        }
        row = []
        for kind, field_name in columns:
            field = KINDS[kind].field(field_name)
            row.append(cell(field.type, field.codes, related[kind].get(field_name)))
        rows.append(row)
    headers = [
        _("Event") if (kind, f) == ("event", "title") and name != "events" else _(KINDS[kind].field(f).label)
        for kind, f in columns
    ]
    types = [_column_type(KINDS[kind].field(f).type) for kind, f in columns]
    return Table(name, _(TABLE_TITLES[name]), [f for _kind, f in columns], headers, types, rows)


@dataclass
class KeyFigure:
    """One line of the key figures; ``figure`` and ``code`` name it for ``Report.events_behind``."""

    label: str
    value: int
    figure: str
    code: str | None = None


def key_figures(figures: dict) -> list[KeyFigure]:
    """The report's figures as labelled numbers, in reading order."""
    lines = [
        KeyFigure(_(label), figures[name], name)
        for name, label in (
            ("events_total", N_("Events")),
            ("participants_total", N_("Participants")),
            ("participants_women", N_("Women")),
            ("participants_men", N_("Men")),
            ("international_experts", N_("International experts")),
            ("bilateral_meetings", N_("Bilateral meetings")),
            ("unique_people", N_("People who attended, by name")),
            ("attendances", N_("Attendances")),
        )
    ]
    lines += [
        KeyFigure(_("Events: {type}").format(type=_(EVENT_TYPES[code])), n, "events_by_type", code)
        for code, n in figures["events_by_type"].items()
    ]
    lines += [
        KeyFigure(_("Attendances: {role}").format(role=_(ROLES[code])), n, "attendances", code)
        for code, n in figures["attendances_by_role"].items()
    ]
    lines += [
        KeyFigure(_("Events on {area}").format(area=_(THEMATIC_AREAS[code])), n, "by_thematic_area", code)
        for code, n in figures["by_thematic_area"].items()
    ]
    lines += [
        KeyFigure(
            _("Follow-up actions: {status}").format(status=_(ACTION_STATUSES[code])),
            figures["actions"][code],
            "actions",
            code,
        )
        for code in ACTION_STATUSES
    ]
    lines.append(KeyFigure(_("Follow-up actions overdue"), figures["actions"]["overdue"], "actions", "overdue"))
    return lines


def charts(figures: dict) -> list[Chart]:
    """The report's charts: participants by country, events by thematic area, women and men."""
    return [
        Chart(
            _("Participants by their delegation's country (attendances recorded by name)"),
            [(country_name(code), entry["participants"]) for code, entry in figures["by_country"].items()],
        ),
        Chart(
            _("Events by thematic area"),
            [(_(THEMATIC_AREAS[code]), n) for code, n in figures["by_thematic_area"].items()],
        ),
        Chart(
            _("Women and men"), [(_("Women"), figures["participants_women"]), (_("Men"), figures["participants_men"])]
        ),
    ]


def period_title(figures: dict) -> str:
    """The report's heading: the year, or the dates, and the country."""
    if (
        figures["from"].endswith("-01-01")
        and figures["to"].endswith("-12-31")
        and figures["from"][:4] == figures["to"][:4] == str(figures["year"])
    ):
        title = _("Platform report for {year}").format(year=figures["year"])
    else:
        title = _("Platform report, {start} – {end}").format(
            start=format_date(figures["from"]), end=format_date(figures["to"])
        )
    if figures["country"]:
        title = _("{title}: {country}").format(title=title, country=country_name(figures["country"]))
    return title
