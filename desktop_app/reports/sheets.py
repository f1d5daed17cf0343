"""Printable sheets for one event, in the current language: an attendance sheet to sign and
certificates, as A4 landscape PDFs laid out like the report (``layout``).

A certificate is one designed page: a double border, room for the Platform's and UNODC's logos
(``resources/logos/platform.png`` and ``unodc.png``, drawn when present), the participant's name
large, the event, its dates, place and duration, the role, a certificate number with its date of issue
(the event's last day) and two signature blocks under the event's organizer, with the event's signatories
or fields to fill in. Trainers, speakers and international experts receive a certificate of appreciation;
participants one of participation, worded in their grammatical gender where the language has one. Long
text shrinks a little, then wraps; nothing is ever cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from sqlalchemy import select

from desktop_app import paths
from desktop_app.domain.reading import in_language, translatable
from desktop_app.domain.schema import GENDERS, ROLES
from desktop_app.errors import InputError
from desktop_app.i18n import (
    ALPHABETS,
    _,
    country_name,
    current_language,
    format_date,
    format_date_range,
    ngettext,
    pgettext,
    sort_key,
)
from desktop_app.reports.data import visible_records
from desktop_app.reports.layout import ACCENT, PLATFORM_NAME, Column, Pages, finish_pdf, mm, pdf_writer, wrap
from desktop_app.reports.pdf import page_label
from desktop_app.reports.printing import application, font_family
from desktop_app.storage.models import Participation, Person

BLANK_ROWS = 8  # empty lines at the end of an attendance sheet, for people not registered
SIGNATURE_ROW_MM = 11  # room for a signature on each line of the attendance sheet
LOGOS = ("platform", "unodc")
LOGO_MM = 26
GOLD = "#b08d3c"


def event_people(desk, event_id: str, attended_only: bool = False) -> tuple[dict, list[dict]]:
    """The event and its visible participants (person fields plus ``role``, ``attended`` and
    ``participation_id``), by name in the current language's alphabet, its own script first."""
    event = desk.get(event_id)
    if event["kind"] != "event":
        raise InputError(_("“{id}” is not an event").format(id=event_id))
    participations = visible_records("participation").where(Participation.event_id == event_id)
    if attended_only:
        participations = participations.where(Participation.attended.is_(True))
    participations = participations.subquery()
    query = (
        select(
            Person.__table__,
            participations.c.role,
            participations.c.attended,
            participations.c.id.label("participation_id"),
        )
        .join(participations, participations.c.person_id == Person.id)
        .order_by(Person.full_name, Person.id)
    )
    with desk.engine.connect() as connection:
        people = [dict(row) for row in connection.execute(query).mappings()]
        in_language(connection, [event], translatable("event"))
        in_language(connection, people, translatable("person"))
    people.sort(key=lambda person: name_order(person["full_name"]))
    return event, people


def name_order(name: str, language: str | None = None) -> tuple:
    """Names in the language's own script first, in its alphabet's order (Cyrillic before Latin on a
    Russian sheet, Latin before Cyrillic on an Uzbek or Turkmen one)."""
    language = language or current_language()
    first = next((ch for ch in (name or "").casefold() if ch.isalpha()), "")
    return (0 if first in ALPHABETS.get(language, ALPHABETS["en"]) else 1, sort_key(name, language))


def event_dates(event: dict) -> str:
    """``12 March 2025`` or ``12–14 March 2025`` (``format_date_range``)."""
    return format_date_range(event["start_date"], event["end_date"])


def event_place(event: dict) -> str:
    return ", ".join(part for part in (event["venue"], event["city"], country_name(event["country"])) if part)


def certificate_number(event: dict, person: dict) -> str:
    """A number that names one participation for good: the event's year and the participation's id."""
    return f"{event['start_date'][:4]}-{person['participation_id'].replace('-', '')[:8].upper()}"


def write_attendance_sheet(desk, event_id: str, path: Path) -> int:
    """An attendance sheet listing the event's registered people, with blank lines; returns how many."""
    application()
    event, people = event_people(desk, event_id)
    title = _("Attendance sheet")
    writer = pdf_writer(path, f"{title}: {event['title']}", landscape=True)
    pages = Pages(writer, font_family(), footer=event["title"], page_label=page_label)
    pages.heading(title, points=16, before_mm=0)
    pages.paragraph(event["title"], points=12, bold=True, after_mm=1)
    pages.paragraph(" · ".join(part for part in (event_dates(event), event_place(event)) if part), after_mm=4)
    headers = ["№", _("Full name"), _("Organization"), _("Position"), _("Gender"), _("Signature")]
    rows = [
        [
            str(number),
            person["full_name"] or "",
            person["organization"] or "",
            person["position"] or "",
            _(GENDERS[person["gender"]]) if person["gender"] in GENDERS else "",
            "",
        ]
        for number, person in enumerate(people, start=1)
    ]
    rows += [[str(number), "", "", "", "", ""] for number in range(len(people) + 1, len(people) + BLANK_ROWS + 1)]
    columns = [
        Column(align="right", nowrap=True),
        Column(),
        Column(),
        Column(),
        Column(nowrap=True),
        Column(width_mm=55),
    ]
    pages.table(headers, rows, columns, points=9.5, min_row_mm=SIGNATURE_ROW_MM)
    pages.paint()
    finish_pdf(path, current_language())
    return len(people)


def write_certificates(desk, event_id: str, path: Path) -> int:
    """One certificate page for each person who attended the event; returns how many."""
    application()
    event, people = event_people(desk, event_id, attended_only=True)
    if not people:
        raise InputError(_("Nobody is recorded as having attended “{title}”").format(title=event["title"]))
    writer = pdf_writer(path, _("Certificates"), landscape=True)
    logos = {name: image for name in LOGOS if not (image := logo(name)).isNull()}
    painter = QPainter(writer)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for index, person in enumerate(people):
        if index:
            writer.newPage()
        Certificate(writer, painter, logos).paint(event, person)
    painter.end()
    finish_pdf(path, current_language())
    return len(people)


def logo(name: str) -> QImage:
    """``resources/logos/NAME.png`` (a null image when the file is absent)."""
    return QImage(str(paths.resources_dir() / "logos" / f"{name}.png"))


APPRECIATED_ROLES = ("trainer", "speaker", "international_expert")  # thanked, not certified as attending
SHRINK_STEPS = (1.0, 0.93, 0.86, 0.8, 0.74, 0.68)  # a text shrinks this far before it takes another line


def duration_days(event: dict) -> int:
    start = date.fromisoformat(event["start_date"])
    return (date.fromisoformat(event["end_date"] or event["start_date"]) - start).days + 1


def took_part(gender: str | None) -> str:
    """ "took part in", in the grammatical gender of the participant where the language has one."""
    if gender == "female":
        return pgettext("female", "took part in")
    if gender == "male":
        return pgettext("male", "took part in")
    return _("took part in")


@dataclass
class Line:
    """One centred text of a certificate: its size, weight, colour, space above (mm), width (mm), most lines."""

    text: str
    points: float
    bold: bool = False
    colour: str = "#222222"
    gap: float = 0
    width: float = 230
    max_lines: int = 2


class Certificate:
    """One certificate drawn on the current page of ``writer``, centred text on a bordered A4 landscape.
    Long text shrinks a little, then wraps; nothing is cut."""

    def __init__(self, writer, painter: QPainter, logos: dict[str, QImage]):
        self.writer, self.painter, self.logos = writer, painter, logos
        self.pages = Pages(writer, font_family())  # for fonts and metrics only
        size = writer.pageLayout().fullRectPixels(writer.resolution())
        self.width, self.height = size.width(), size.height()

    def fit(self, line: Line, scale: float = 1.0) -> tuple:
        """The font and lines of ``line``: its size while it fits ``max_lines``, else smaller, else more lines."""
        for step in SHRINK_STEPS:
            font = self.pages.font(line.points * scale * step, line.bold)
            lines = wrap(line.text, font, mm(line.width), self.writer)
            if len(lines) <= line.max_lines:
                return font, lines
        return font, lines

    def text(self, line: Line, y: float, scale: float = 1.0) -> float:
        """``line`` centred from ``y`` down; returns the y below it."""
        font, lines = self.fit(line, scale)
        metrics = self.pages.metrics(font)
        self.painter.setFont(font)
        self.painter.setPen(QColor(line.colour))
        for text in lines:
            x = (self.width - metrics.horizontalAdvance(text)) / 2
            self.painter.drawText(QPointF(x, y + metrics.ascent()), text)
            y += metrics.lineSpacing()
        return y

    def height_of(self, items: list[Line], scale: float) -> float:
        total = 0.0
        for line in items:
            font, lines = self.fit(line, scale)
            total += mm(line.gap) + self.pages.metrics(font).lineSpacing() * len(lines)
        return total

    def column(self, items: list[Line], top: float, bottom: float) -> None:
        """``items`` centred between ``top`` and ``bottom``, all made smaller together if they would not fit."""
        scale = 1.0
        while self.height_of(items, scale) > bottom - top and scale > 0.6:
            scale *= 0.94
        y = top + max(0.0, (bottom - top - self.height_of(items, scale)) / 2)
        for line in items:
            y = self.text(line, y + mm(line.gap), scale)

    def frame(self) -> None:
        painter = self.painter
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for inset, weight, colour in ((8, 1.2, ACCENT), (10.5, 0.35, GOLD)):
            pen = QPen(QColor(colour))
            pen.setWidthF(mm(weight))
            painter.setPen(pen)
            painter.drawRect(QRectF(mm(inset), mm(inset), self.width - 2 * mm(inset), self.height - 2 * mm(inset)))
        for name, x in (("platform", mm(20)), ("unodc", self.width - mm(20 + LOGO_MM))):
            image = self.logos.get(name)
            if image is not None:
                box = QRectF(x, mm(17), mm(LOGO_MM), mm(LOGO_MM))
                scaled = image.size().scaled(int(box.width()), int(box.height()), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(
                    QRectF(
                        box.center().x() - scaled.width() / 2,
                        box.center().y() - scaled.height() / 2,
                        scaled.width(),
                        scaled.height(),
                    ),
                    image,
                )

    def left_lines(self, text: str, font, x: float, bottom: float, width: float) -> None:
        """``text`` wrapped to ``width``, its last line ending at ``bottom``."""
        metrics = self.pages.metrics(font)
        lines = wrap(text, font, width, self.writer)
        self.painter.setFont(font)
        for number, line in enumerate(lines):
            self.painter.drawText(QPointF(x, bottom - (len(lines) - 1 - number) * metrics.lineSpacing()), line)

    def signature(self, x: float, y: float, heading: str, name: str | None, position: str | None) -> None:
        """A signature line with the organizer above it and the signatory's name and position below (or
        fields to fill in by hand when the event names no signatory)."""
        painter, width = self.painter, mm(80)
        small, label, filled = self.pages.font(10, bold=True), self.pages.font(8.5), self.pages.font(9.5)
        metrics = self.pages.metrics(label)
        if heading:
            painter.setPen(QColor("#222222"))
            self.left_lines(heading, small, x, y - mm(14), width)
        pen = QPen(QColor("#444444"))
        pen.setWidthF(mm(0.25))
        painter.setPen(pen)
        painter.drawLine(QPointF(x, y), QPointF(x + width, y))
        painter.setFont(label)
        painter.setPen(QColor("#666666"))
        painter.drawText(QPointF(x, y + metrics.ascent() + mm(1)), _("Signature"))
        if name:
            painter.setPen(QColor("#222222"))
            top = y + mm(7)
            for text, font in ((name, small), (position, filled)):
                if not text:
                    continue
                lines = wrap(text, font, width, self.writer)
                line_metrics = self.pages.metrics(font)
                painter.setFont(font)
                for line in lines:
                    painter.drawText(QPointF(x, top + line_metrics.ascent()), line)
                    top += line_metrics.lineSpacing()
            return
        for number, field in enumerate((_("Full name"), _("Position"))):
            top = y + mm(7 + 6 * number)
            painter.setPen(QColor("#666666"))
            painter.drawText(QPointF(x, top + metrics.ascent()), field)
            start = x + metrics.horizontalAdvance(field) + mm(2)
            dotted = QPen(QColor("#999999"))
            dotted.setWidthF(mm(0.2))
            dotted.setStyle(Qt.PenStyle.DotLine)
            painter.setPen(dotted)
            painter.drawLine(QPointF(start, top + metrics.ascent()), QPointF(x + width, top + metrics.ascent()))

    def paint(self, event: dict, person: dict) -> None:
        self.frame()
        appreciation = person["role"] in APPRECIATED_ROLES
        y = self.text(Line(_(PLATFORM_NAME), 11, True, ACCENT, width=180), mm(22))
        y = self.text(
            Line(_("Secretariat: United Nations Office on Drugs and Crime (UNODC)"), 9, colour="#555555", width=180),
            y + mm(1),
        )
        heading = _("Certificate of appreciation") if appreciation else _("Certificate of participation")
        y = self.text(Line(heading.upper(), 28, True, ACCENT, width=230), max(y + mm(7), mm(46)))
        rule = QPen(QColor(GOLD))
        rule.setWidthF(mm(0.6))
        self.painter.setPen(rule)
        self.painter.drawLine(QPointF(self.width / 2 - mm(30), y + mm(3)), QPointF(self.width / 2 + mm(30), y + mm(3)))
        place = event_place(event)
        opening = _("This certificate is presented to") if appreciation else _("This is to certify that")
        items = [Line(opening, 13, colour="#444444"), Line(person["full_name"], 26, True, gap=3, width=240)]
        details = ", ".join(part for part in (person["position"], person["organization"]) if part)
        if details:
            items.append(Line(details, 11, colour="#444444", gap=1))
        verb = _("in appreciation of their contribution to") if appreciation else took_part(person["gender"])
        days = duration_days(event)
        items += [
            Line(verb, 13, colour="#444444", gap=4),
            Line(event["title"], 16, True, gap=2, width=240, max_lines=3),
            Line(
                _("{dates}, {place}").format(dates=event_dates(event), place=place) if place else event_dates(event),
                12,
                gap=2,
            ),
            Line(
                ngettext("Duration: {count} day", "Duration: {count} days", days).format(count=days),
                11,
                colour="#444444",
                gap=1,
            ),
        ]
        if person["role"] in ROLES and person["role"] != "participant":
            items.append(Line(_("Role: {role}").format(role=_(ROLES[person["role"]])), 12, gap=1))
        bottom = self.height - mm(46)
        self.column(items, y + mm(6), bottom - mm(20))
        self.signature(mm(30), bottom, event["organizer"] or "", event["signatory"], event["signatory_position"])
        self.signature(
            self.width - mm(30 + 80), bottom, "", event["second_signatory"], event["second_signatory_position"]
        )
        self.text(
            Line(
                _("Certificate No. {number} · issued on {date}").format(
                    number=certificate_number(event, person), date=format_date(event["end_date"] or event["start_date"])
                ),
                9,
                colour="#666666",
            ),
            self.height - mm(19),
        )
