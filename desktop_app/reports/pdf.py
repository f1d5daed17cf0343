"""The report as an A4 PDF: title, summary, charts, key figures and the events and actions tables."""

from __future__ import annotations

from pathlib import Path

from desktop_app.i18n import N_, _, current_language
from desktop_app.reports.data import Report
from desktop_app.reports.layout import Column, Pages, finish_pdf, pdf_writer
from desktop_app.reports.printing import application, chart_layout, display, font_family, paint_bar_chart
from desktop_app.reports.tables import Table, charts, key_figures, period_title, table

EVENT_FIELDS = ["start_date", "type", "title", "country", "participants_total", "participants_women",
                "participants_men", "international_experts"]
# Shorter headers where a long field label would not fit a narrow number column.
SHORT_HEADERS = {"international_experts": N_("Experts")}
CHART_POINTS = 9


def page_label(page: int, pages: int) -> str:
    return _("Page {page} of {pages}").format(page=page, pages=pages)


def columns_of(data: Table, indices) -> list[Column]:
    """Dates and numbers neither wrap nor stretch; numbers are right-aligned."""
    return [Column(align="right" if data.types[i] == "number" else "left", nowrap=data.types[i] != "text")
            for i in indices]


def put_table(pages: Pages, data: Table, fields: list[str] | None = None) -> None:
    indices = [data.fields.index(f) for f in fields] if fields else list(range(len(data.fields)))
    headers = [_(SHORT_HEADERS[data.fields[i]]) if data.fields[i] in SHORT_HEADERS else data.headers[i]
               for i in indices]
    rows = [[display(row[i]) for i in indices] for row in data.rows]
    pages.table(headers, rows, columns_of(data, indices))




def write_pdf(report: Report, path: Path) -> None:
    application()
    figures = report.figures
    title = period_title(figures)
    writer = pdf_writer(path, title)
    pages = Pages(writer, font_family(), footer=title, page_label=page_label)
    pages.heading(title, points=18, before_mm=0)
    pages.paragraph(figures["summary"], points=10.5, after_mm=5)
    for chart in charts(figures):
        if chart.bars:
            pages.block(chart_layout(chart, pages.area.width(), writer, CHART_POINTS).height() + 4,
                        lambda painter, rect, chart=chart: paint_bar_chart(painter, rect, chart, CHART_POINTS))
            pages.space(3)
    pages.heading(_("Key figures"))
    pages.table([_("Figure"), _("Number")], [[line.label, display(line.value)] for line in key_figures(figures)],
                [Column(), Column(align="right", nowrap=True)], points=9, full_width=False)
    pages.heading(_("Events"))
    put_table(pages, table(report, "events"), EVENT_FIELDS)
    actions = table(report, "actions")
    if actions.rows:
        pages.heading(_("Follow-up actions"))
        put_table(pages, actions)
    pages.paint()
    finish_pdf(path, current_language())
