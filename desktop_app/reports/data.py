"""The figures of an annual or national report, computed from the database.

An event counts when it is visible (not deleted), not cancelled, and either ``held`` or
``planned`` with its end date already past; ``postponed`` events do not count. It falls in
the period by its ``start_date``. With a country, only events held there or with that
delegation among their ``parties`` count. Attendances come from participations marked
``attended`` at counted events, of people that are not deleted (a participation recorded on two
computers counts once). ``by_country`` groups events by where they were held: events without a
country (webinars) count everywhere else but not there.

JSON keys: ``year``, ``from``, ``to``, ``country``, ``events_total``, ``events_by_type``,
``participants_total``, ``participants_women``, ``participants_men``, ``international_experts``,
``events_held``, ``events_planned_past``, ``events_within_others``, ``by_type`` (for every event type: ``events``, ``participants_total``, ``participants_women``,
``participants_men``, ``international_experts``), ``unique_people``, ``attendances``,
``attendances_by_role``, ``bilateral_meetings``, ``by_country`` (code → ``events``, ``participants``),
``by_thematic_area``, ``actions`` (counts by status and ``overdue``) and ``summary``, whose every
figure can be found among the others. In a country's report the participant figures count everyone
at the counted events, from every delegation; the summary says so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from desktop_app.country_names import MEMBER_STATES
from desktop_app.domain.changelog import record_table
from desktop_app.domain.desk import visible_query
from desktop_app.domain.reading import in_language, overdue, translatable
from desktop_app.domain.schema import ACTION_STATUSES, EVENT_TYPES, KINDS, ROLES, THEMATIC_AREAS
from desktop_app.i18n import _, country_name, format_date, format_number, ngettext, sort_key
from desktop_app.storage.models import Action, Event, Participation, Person

PARTICIPANT_FIGURES = ("participants_total", "participants_women", "participants_men", "international_experts")


@dataclass(frozen=True)
class Period:
    """The events a report covers: a year, or ``start``–``end`` within it, and optionally one country."""

    year: int
    start: date
    end: date
    country: str | None = None

    @classmethod
    def of(cls, year: int, country: str | None = None, start: date | None = None, end: date | None = None):
        """The whole ``year`` unless ``start``/``end`` narrow (or move) it."""
        return cls(year, start or date(year, 1, 1), end or date(year, 12, 31), country or None)

    def covers(self, event: dict) -> bool:
        if not self.start.isoformat() <= (event["start_date"] or "") <= self.end.isoformat():
            return False
        return not self.country or self.country == event["country"] or self.country in (event["parties"] or [])


@dataclass
class Report:
    """The figures (``figures`` is the JSON report) and the records behind them, ready for tables."""

    period: Period
    today: date
    figures: dict
    events: list[dict] = field(default_factory=list)
    participations: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    issuer: dict = field(default_factory=dict)  # the installation that made it: ``role`` and ``country``

    def events_behind(self, figure: str, code: str | None = None) -> list[dict]:
        """The counted events behind one figure (``events_by_type`` with a type code, ``by_country``
        with a country, ``by_thematic_area`` with an area, ``actions`` with a status or ``overdue``,
        ``bilateral_meetings``, the participant sums, ``international_experts``, ``attendances`` with
        an optional role); every counted event for other figures."""
        with_actions = {
            a["event_id"] for a in self.actions if a["status"] == code or (code == "overdue" and overdue(a, self.today))
        }
        attended = {p["event_id"] for p in self.participations if p["attended"] and (code is None or p["role"] == code)}
        delegates = {p["id"] for p in self.people if p["country"] == code}
        with_delegation = {p["event_id"] for p in self.participations if p["attended"] and p["person_id"] in delegates}
        tests = {
            "events_by_type": lambda e: e["type"] == code,
            "bilateral_meetings": lambda e: e["type"] == "bilateral_meeting",
            "by_country": lambda e: code in (e["parties"] or []) or e["id"] in with_delegation,
            "by_thematic_area": lambda e: code in (e["thematic_areas"] or []),
            "participants_total": lambda e: bool(e["participants_total"]),
            "participants_women": lambda e: bool(e["participants_women"]),
            "participants_men": lambda e: bool(e["participants_men"]),
            "international_experts": lambda e: bool(e["international_experts"]),
            "attendances": lambda e: e["id"] in attended,
            "actions": lambda e: e["id"] in with_actions,
        }
        test = tests.get(figure, lambda e: True)
        return [event for event in self.events if test(event)]


def _rows(connection, query) -> list[dict]:
    return [dict(row) for row in connection.execute(query).mappings()]


def visible_records(kind_name: str, *order):
    """The select of a kind's visible records (the domain's rule: not deleted, nor depending on a deleted
    event or person, nor a participation recorded twice), ordered by ``order`` then id when given."""
    query = visible_query(KINDS[kind_name])
    if order:
        query = query.order_by(None).order_by(*order, record_table(kind_name).c.id)
    return query


def counts(event: dict, today: date) -> bool:
    """Whether an event counts as achieved: held, or planned and already over; never cancelled."""
    if event["status"] == "held":
        return True
    return event["status"] == "planned" and (event["end_date"] or event["start_date"] or "") < today.isoformat()


def compute(desk, period: Period, today: date | None = None) -> Report:
    """The report for ``period`` from the visible records of ``desk``, in the current language."""
    today = today or date.today()
    in_period = (Event.start_date >= period.start.isoformat(), Event.start_date <= period.end.isoformat())
    period_events = select(Event.id).where(Event.deleted.is_(False), *in_period)
    with desk.engine.connect() as connection:
        events = _rows(connection, visible_records("event").where(*in_period))
        events = [e for e in events if period.covers(e) and counts(e, today)]
        event_ids = {e["id"] for e in events}
        participations = [
            p
            for p in _rows(
                connection, visible_records("participation").where(Participation.event_id.in_(period_events))
            )
            if p["event_id"] in event_ids
        ]
        person_ids = {p["person_id"] for p in participations}
        people = [
            p
            for p in _rows(
                connection,
                visible_records("person", Person.full_name).where(
                    Person.id.in_(select(Participation.person_id).where(Participation.event_id.in_(period_events)))
                ),
            )
            if p["id"] in person_ids
        ]
        actions = [
            a
            for a in _rows(
                connection, visible_records("action", Action.due_date).where(Action.event_id.in_(period_events))
            )
            if a["event_id"] in event_ids
        ]
        for kind_name, records in (("event", events), ("person", people), ("action", actions)):
            in_language(connection, records, translatable(kind_name))
    event_order = {e["id"]: index for index, e in enumerate(events)}
    person_order = {p["id"]: index for index, p in enumerate(people)}
    participations.sort(key=lambda p: (event_order[p["event_id"]], person_order[p["person_id"]]))
    issuer = {"role": desk.identity["role"], "country": desk.identity["country"]}
    report = Report(period, today, {}, events, participations, people, actions, issuer)
    report.figures = _figures(report)
    return report


def _figures(report: Report) -> dict:
    events, period, today = report.events, report.period, report.today

    counted = {e["id"] for e in events}
    # An event held within a counted one is part of it: its participants are among its parent's (SPEC §2).
    outermost = [e for e in events if e["parent_id"] not in counted]

    def total(name, among=outermost):
        return sum(e[name] or 0 for e in among)

    attended = [p for p in report.participations if p["attended"]]
    by_country = _by_delegation(report, attended)
    areas = Counter(area for e in events for area in (e["thematic_areas"] or []))
    types = Counter(e["type"] for e in events)
    of_type = {code: [e for e in events if e["type"] == code] for code in EVENT_TYPES}
    roles = Counter(p["role"] for p in attended)
    action_statuses = Counter(a["status"] for a in report.actions)
    figures = {
        "year": period.year,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "country": period.country,
        "events_total": len(events),
        "events_held": sum(1 for e in events if e["status"] == "held"),
        "events_planned_past": sum(1 for e in events if e["status"] == "planned"),
        "events_within_others": len(events) - len(outermost),
        "events_by_type": {code: types[code] for code in EVENT_TYPES if types[code]},
        "by_type": {
            code: {"events": len(among), **{name: total(name, among) for name in PARTICIPANT_FIGURES}}
            for code, among in of_type.items()
        },
        "participants_total": total("participants_total"),
        "participants_women": total("participants_women"),
        "participants_men": total("participants_men"),
        "international_experts": total("international_experts"),
        "unique_people": len({p["person_id"] for p in attended}),
        "attendances": len(attended),
        "attendances_by_role": {code: roles[code] for code in ROLES if roles[code]},
        "bilateral_meetings": sum(1 for e in events if e["type"] == "bilateral_meeting"),
        "by_country": by_country,
        "by_thematic_area": {code: areas[code] for code in THEMATIC_AREAS if areas[code]},
        "actions": {
            **{code: action_statuses[code] for code in ACTION_STATUSES},
            "overdue": sum(1 for a in report.actions if overdue(a, today)),
        },
    }
    figures["summary"] = summary(figures)
    return figures


def _by_delegation(report: Report, attended: list[dict]) -> dict[str, dict]:
    """Per delegation (the participants' country): the counted events it took part in (among the parties or
    with someone attending) and its attendances; member states first, then the others, each in the
    alphabetical order of the current language."""
    country_of = {p["id"]: p["country"] for p in report.people}
    events: dict[str, set] = {}
    attendances: Counter = Counter()
    for event in report.events:
        for code in event["parties"] or []:
            events.setdefault(code, set()).add(event["id"])
    for participation in attended:
        code = country_of.get(participation["person_id"])
        if code:
            events.setdefault(code, set()).add(participation["event_id"])
            attendances[code] += 1
    states = MEMBER_STATES
    order = sorted(events, key=lambda code: (code not in states, sort_key(country_name(code))))
    return {code: {"events": len(events[code]), "participants": attendances[code]} for code in order}


def summary(figures: dict) -> str:
    """A few sentences stating the period's achievements, in the Platform's own style, from ``figures`` only.
    Each sentence states one count, so that each takes the plural form its language gives that count."""
    n = format_number
    sentences = []
    if figures["country"]:
        sentences.append(
            _("The figures cover events held in or with {country} from {start} to {end} inclusive.").format(
                country=country_name(figures["country"]),
                start=format_date(figures["from"]),
                end=format_date(figures["to"]),
            )
        )
        sentences.append(
            _(
                "Participant figures count everyone who attended these events, from every delegation, "
                "not only from {country}."
            ).format(country=country_name(figures["country"]))
        )
    events, total = figures["events_total"], figures["participants_total"]
    women, men = figures["participants_women"], figures["participants_men"]
    sentences += [
        ngettext(
            "In {year}, the Platform held {count} event.", "In {year}, the Platform held {count} events.", events
        ).format(year=figures["year"], count=n(events)),
        ngettext("{count} participant took part in all.", "{count} participants took part in all.", total).format(
            count=n(total)
        ),
        ngettext("Of them, {count} was a woman.", "Of them, {count} were women.", women).format(count=n(women)),
        ngettext("Of them, {count} was a man.", "Of them, {count} were men.", men).format(count=n(men)),
    ]
    within, planned = figures["events_within_others"], figures["events_planned_past"]
    if within:
        sentences.append(
            ngettext(
                "{count} of these events was held within another, and its participants are counted only once, "
                "with that event's.",
                "{count} of these events were held within others, and their participants are counted only once, "
                "with those events'.",
                within,
            ).format(count=n(within))
        )
    if planned:
        sentences.append(
            ngettext(
                "{count} event is still recorded as planned although its dates have passed: it is counted, "
                "but not yet confirmed as held.",
                "{count} events are still recorded as planned although their dates have passed: they are counted, "
                "but not yet confirmed as held.",
                planned,
            ).format(count=n(planned))
        )
    training = figures["by_type"]["regional_training"]
    trainings, experts = training["events"], training["international_experts"]
    if trainings:
        rounded = _round_down(training["participants_total"])
        if rounded < training["participants_total"]:
            took_part = ngettext(
                "Over {count} participant took part in them.", "Over {count} participants took part in them.", rounded
            )
        else:
            took_part = ngettext(
                "{count} participant took part in them.", "{count} participants took part in them.", rounded
            )
        sentences += [
            ngettext(
                "This includes {count} regional technical training session.",
                "This includes {count} regional technical training sessions.",
                trainings,
            ).format(count=n(trainings)),
            took_part.format(count=n(rounded)),
            ngettext(
                "{count} international expert contributed to them.",
                "{count} international experts contributed to them.",
                experts,
            ).format(count=n(experts)),
        ]
    bilaterals = figures["bilateral_meetings"]
    if bilaterals:
        sentences.append(
            ngettext("{count} bilateral meeting was held.", "{count} bilateral meetings were held.", bilaterals).format(
                count=n(bilaterals)
            )
        )
    people, attendances = figures["unique_people"], figures["attendances"]
    if attendances:
        sentences += [
            ngettext("{count} person took part by name.", "{count} people took part by name.", people).format(
                count=n(people)
            ),
            ngettext(
                "{count} attendance was recorded in all.", "{count} attendances were recorded in all.", attendances
            ).format(count=n(attendances)),
        ]
    done, overdue = figures["actions"]["done"], figures["actions"]["overdue"]
    agreed = sum(v for k, v in figures["actions"].items() if k != "overdue")
    if agreed:
        sentences += [
            ngettext("{count} follow-up action was agreed.", "{count} follow-up actions were agreed.", agreed).format(
                count=n(agreed)
            ),
            ngettext("Of them, {count} is done.", "Of them, {count} are done.", done).format(count=n(done)),
            ngettext("{count} follow-up action is overdue.", "{count} follow-up actions are overdue.", overdue).format(
                count=n(overdue)
            ),
        ]
    return " ".join(sentences)


def _round_down(value: int) -> int:
    """900 for 906: "over 900 participants", as the Platform writes it."""
    if value >= 100:
        return value // 100 * 100
    return value // 10 * 10 if value >= 10 else value


def latest_year_with_events(desk) -> int | None:
    """The latest year, up to this one, in which an event started: where a report is worth opening."""
    this_year = str(date.today().year)
    with desk.engine.connect() as connection:
        year = connection.execute(
            select(func.max(func.substr(Event.start_date, 1, 4))).where(
                Event.deleted.is_(False), func.substr(Event.start_date, 1, 4) <= this_year
            )
        ).scalar()
    return int(year) if year else None
