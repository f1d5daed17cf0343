"""Printable sheets for one event, in the current language: an attendance sheet to sign and
certificates of participation, as A4 landscape PDFs laid out like the report (``layout``).

A certificate is one designed page: a double border, room for the Platform's and UNODC's logos
(``resources/logos/platform.png`` and ``unodc.png``, drawn when present), the participant's name
large, the event, its dates and place, the role, a certificate number and two signature blocks with
name and position fields under the event's organizer.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from sqlalchemy import select

from desktop_app import paths
from desktop_app.domain.errors import InputError
from desktop_app.domain.reading import in_language, translatable
from desktop_app.domain.schema import GENDERS, ROLES
from desktop_app.i18n import ALPHABETS, _, country_name, current_language, format_date, sort_key
from desktop_app.reports.data import visible_records
from desktop_app.reports.layout import ACCENT, Column, Pages, finish_pdf, mm, pdf_writer, wrap
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
    query = (select(Person.__table__, participations.c.role, participations.c.attended,
                    participations.c.id.label("participation_id"))
             .join(participations, participations.c.person_id == Person.id)
             .order_by(Person.full_name, Person.id))
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
    """``12 March 2025`` or ``12 March 2025 – 14 March 2025``."""
    if event["end_date"] and event["end_date"] != event["start_date"]:
        return _("{start} – {end}").format(start=format_date(event["start_date"]), end=format_date(event["end_date"]))
    return format_date(event["start_date"])


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
    rows = [[str(number), person["full_name"] or "", person["organization"] or "", person["position"] or "",
             _(GENDERS[person["gender"]]) if person["gender"] in GENDERS else "", ""]
            for number, person in enumerate(people, start=1)]
    rows += [[str(number), "", "", "", "", ""] for number in range(len(people) + 1, len(people) + BLANK_ROWS + 1)]
    columns = [Column(align="right", nowrap=True), Column(), Column(), Column(), Column(nowrap=True),
               Column(width_mm=55)]
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
    writer = pdf_writer(path, _("Certificates of participation"), landscape=True)
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


class Certificate:
    """One certificate drawn on the current page of ``writer``, centred text on a bordered A4 landscape."""

    def __init__(self, writer, painter: QPainter, logos: dict[str, QImage]):
        self.writer, self.painter, self.logos = writer, painter, logos
        self.pages = Pages(writer, font_family())  # for fonts and metrics only
        size = writer.pageLayout().fullRectPixels(writer.resolution())
        self.width, self.height = size.width(), size.height()

    def lines(self, text: str, points: float, bold: bool = False, width_mm: float = 230,
              max_lines: int = 3) -> tuple:
        font = self.pages.font(points, bold)
        return font, wrap(text, font, mm(width_mm), self.writer)[:max_lines]

    def text(self, text: str, points: float, y: float, bold: bool = False, colour: str = "#222222",
             width_mm: float = 230, max_lines: int = 3) -> float:
        """Centred lines from ``y`` down; returns the y below them."""
        font, lines = self.lines(text, points, bold, width_mm, max_lines)
        metrics = self.pages.metrics(font)
        self.painter.setFont(font)
        self.painter.setPen(QColor(colour))
        for line in lines:
            x = (self.width - metrics.horizontalAdvance(line)) / 2
            self.painter.drawText(QPointF(x, y + metrics.ascent()), line)
            y += metrics.lineSpacing()
        return y

    def column(self, items: list[tuple], top: float, bottom: float) -> None:
        """``items`` (text, points, bold, colour, space above in mm, width in mm) centred between
        ``top`` and ``bottom``."""
        height = sum(mm(gap) + self.pages.metrics(self.lines(text, points, bold, width)[0]).lineSpacing()
                     * len(self.lines(text, points, bold, width)[1])
                     for text, points, bold, _colour, gap, width in items)
        y = top + max(0.0, (bottom - top - height) / 2)
        for text, points, bold, colour, gap, width in items:
            y = self.text(text, points, y + mm(gap), bold, colour, width)

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
                painter.drawImage(QRectF(box.center().x() - scaled.width() / 2, box.center().y() - scaled.height() / 2,
                                         scaled.width(), scaled.height()), image)

    def signature(self, x: float, y: float, heading: str) -> None:
        """A signature line with the organizer above it and name and position fields below."""
        painter, width = self.painter, mm(80)
        small, label = self.pages.font(10, bold=True), self.pages.font(8.5)
        metrics = self.pages.metrics(label)
        if heading:
            painter.setFont(small)
            painter.setPen(QColor("#222222"))
            painter.drawText(QPointF(x, y - mm(14)), self.pages.metrics(small).elidedText(
                heading, Qt.TextElideMode.ElideRight, width))
        pen = QPen(QColor("#444444"))
        pen.setWidthF(mm(0.25))
        painter.setPen(pen)
        painter.drawLine(QPointF(x, y), QPointF(x + width, y))
        painter.setFont(label)
        painter.setPen(QColor("#666666"))
        painter.drawText(QPointF(x, y + metrics.ascent() + mm(1)), _("Signature"))
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
        y = self.text(_("Regional Anti-Corruption Platform for Central Asia"), 11, mm(22), bold=True,
                      colour=ACCENT, width_mm=180, max_lines=2)
        y = self.text(_("Secretariat: United Nations Office on Drugs and Crime (UNODC)"), 9, y + mm(1),
                      colour="#555555", width_mm=180, max_lines=2)
        y = self.text(_("Certificate of participation").upper(), 28, max(y + mm(7), mm(46)), bold=True,
                      colour=ACCENT, width_mm=250, max_lines=2)
        rule = QPen(QColor(GOLD))
        rule.setWidthF(mm(0.6))
        self.painter.setPen(rule)
        self.painter.drawLine(QPointF(self.width / 2 - mm(30), y + mm(3)), QPointF(self.width / 2 + mm(30), y + mm(3)))
        place = event_place(event)
        items = [(_("This is to certify that"), 13, False, "#444444", 0, 230),
                 (person["full_name"], 26, True, "#222222", 3, 240)]
        details = ", ".join(part for part in (person["position"], person["organization"]) if part)
        if details:
            items.append((details, 11, False, "#444444", 1, 230))
        items += [(_("took part in"), 13, False, "#444444", 5, 230),
                  (event["title"], 16, True, "#222222", 2, 240),
                  (_("{dates}, {place}").format(dates=event_dates(event), place=place) if place
                   else event_dates(event), 12, False, "#222222", 2, 230)]
        if person["role"] in ROLES and person["role"] != "participant":
            items.append((_("Role: {role}").format(role=_(ROLES[person["role"]])), 12, False, "#222222", 1, 230))
        bottom = self.height - mm(38)
        self.column(items, y + mm(6), bottom - mm(20))
        self.signature(mm(30), bottom, event["organizer"] or "")
        self.signature(self.width - mm(30 + 80), bottom, "")
        self.text(_("Certificate No. {number}").format(number=certificate_number(event, person)), 9,
                  self.height - mm(22), colour="#666666")
