"""The report as an A4 PDF: a cover (issuing office, period, date of issue, the donors thanked), the summary,
charts, key figures, the events, their outcomes and the follow-up actions."""

from __future__ import annotations

import re
from pathlib import Path

from desktop_app.domain.schema import SECRETARIAT
from desktop_app.i18n import N_, _, country_name, current_language, format_date, format_date_range
from desktop_app.reports.data import Report
from desktop_app.reports.layout import ACCENT, PLATFORM_NAME, Column, Pages, finish_pdf, pdf_writer
from desktop_app.reports.printing import application, chart_layout, display, font_family, paint_bar_chart
from desktop_app.reports.tables import Table, charts, key_figures, period_title, table

# Shorter headers where a long field label would not fit a narrow number column.
SHORT_HEADERS = {"international_experts": N_("Experts")}
CHART_POINTS = 9


def page_label(page: int, pages: int) -> str:
    return _("Page {page} of {pages}").format(page=page, pages=pages)


def columns_of(data: Table, indices) -> list[Column]:
    """Dates and numbers neither wrap nor stretch; numbers are right-aligned."""
    return [
        Column(align="right" if data.types[i] == "number" else "left", nowrap=data.types[i] != "text") for i in indices
    ]


def put_table(pages: Pages, data: Table, fields: list[str] | None = None) -> None:
    indices = [data.fields.index(f) for f in fields] if fields else list(range(len(data.fields)))
    headers = [
        _(SHORT_HEADERS[data.fields[i]]) if data.fields[i] in SHORT_HEADERS else data.headers[i] for i in indices
    ]
    rows = [[display(row[i]) for i in indices] for row in data.rows]
    pages.table(headers, rows, columns_of(data, indices))


def issuing_office(issuer: dict) -> str:
    if issuer.get("role") == SECRETARIAT or not issuer.get("country"):
        return _("Secretariat: United Nations Office on Drugs and Crime (UNODC)")
    return _("Delegation of {country} to the Platform").format(country=country_name(issuer["country"]))


def put_cover(pages: Pages, report: Report, title: str) -> None:
    """The cover: the Platform, the title, the issuing office, the period, the date of issue and the
    acknowledgement of those who funded the events (their ``funding_source``)."""
    figures = report.figures
    pages.paragraph(
        _(PLATFORM_NAME),
        points=13,
        bold=True,
        colour=ACCENT,
        after_mm=45,
    )
    pages.paragraph(title, points=24, bold=True, after_mm=10)
    pages.paragraph(issuing_office(report.issuer), points=12, after_mm=3)
    pages.paragraph(
        _("Period: {dates}").format(dates=format_date_range(figures["from"], figures["to"])), points=12, after_mm=3
    )
    pages.paragraph(_("Issued on {date}").format(date=format_date(report.today)), points=12, after_mm=20)
    donors = list(dict.fromkeys(e["funding_source"] for e in report.events if e["funding_source"]))
    if donors:
        pages.paragraph(_("Acknowledgement"), points=12, bold=True, after_mm=2)
        pages.paragraph(
            _(
                "The events in this report were made possible by the support of {donors}. The Platform "
                "and its secretariat are grateful for it."
            ).format(donors="; ".join(donors)),
            points=11,
        )


def unbroken(dates: str) -> str:
    """Dates that a line does not break inside (no-break spaces), only at a range's dash: «(30 октября
    2024 г.)» after a long title moves to the next line whole."""
    return re.sub(r"(?<![–—-]) (?![–—-])", "\u00a0", dates)


def put_outcomes(pages: Pages, report: Report) -> None:
    """What the events achieved: each counted event with outcomes, its dates and its outcomes."""
    with_outcomes = [e for e in report.events if e["outcomes"]]
    if not with_outcomes:
        return
    pages.heading(_("Outcomes"))
    for event in with_outcomes:
        pages.paragraph(
            f"{event['title']} ({unbroken(format_date_range(event['start_date'], event['end_date']))})",
            points=10,
            bold=True,
            after_mm=1,
            keep_lines=3,
        )
        pages.paragraph(event["outcomes"], points=10, after_mm=3)


def put_events(pages: Pages, report: Report) -> None:
    """The events table: dates as one interval, type, title, place (city and country), participants with
    women and men, and experts; dates, type and place take fixed widths so that the title has the most."""
    data = table(report, "events")
    at = {name: data.fields.index(name) for name in data.fields}

    def counts(row) -> str:
        total, women, men = (row[at[name]] for name in ("participants_total", "participants_women", "participants_men"))
        if women is None and men is None:
            return display(total)
        return f"{display(total)} ({display(women or 0)} / {display(men or 0)})"

    headers = [
        _("Dates"),
        data.headers[at["type"]],
        data.headers[at["title"]],
        _("Place"),
        _("Participants (women / men)"),
        _(SHORT_HEADERS["international_experts"]),
    ]
    rows = [
        [
            format_date_range(event["start_date"], event["end_date"]),
            display(row[at["type"]]),
            display(row[at["title"]]),
            ", ".join(display(row[at[name]]) for name in ("city", "country") if row[at[name]]),
            counts(row),
            display(row[at["international_experts"]]),
        ]
        for event, row in zip(report.events, data.rows)
    ]
    pages.table(
        headers,
        rows,
        [
            Column(width_mm=25),
            Column(width_mm=25),
            Column(),
            Column(width_mm=27),
            Column(align="right", width_mm=27),
            Column(align="right", nowrap=True),
        ],
    )


def write_pdf(report: Report, path: Path) -> None:
    application()
    figures = report.figures
    title = period_title(figures)
    writer = pdf_writer(path, title)
    pages = Pages(writer, font_family(), footer=title, page_label=page_label)
    put_cover(pages, report, title)
    pages.new_page()
    pages.heading(_("Summary"), before_mm=0)
    pages.paragraph(figures["summary"], points=10.5, after_mm=5)
    for chart in charts(figures):
        if chart.bars:
            pages.block(
                chart_layout(chart, pages.area.width(), writer, CHART_POINTS).height() + 4,
                lambda painter, rect, chart=chart: paint_bar_chart(painter, rect, chart, CHART_POINTS),
            )
            pages.space(3)
    pages.heading(_("Key figures"))
    pages.table(
        [_("Figure"), _("Number")],
        [[line.label, display(line.value)] for line in key_figures(figures)],
        [Column(), Column(align="right", nowrap=True)],
        points=9,
        full_width=False,
    )
    pages.heading(_("Events"))
    put_events(pages, report)
    put_outcomes(pages, report)
    actions = table(report, "actions")
    if actions.rows:
        pages.heading(_("Follow-up actions"))
        put_table(pages, actions)
    pages.paint()
    finish_pdf(path, current_language())
