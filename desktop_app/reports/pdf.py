"""The report as an A4 PDF: title, summary, key figures, charts and the events and actions tables."""

from __future__ import annotations

from pathlib import Path

from desktop_app.i18n import N_, _
from desktop_app.reports.data import Report
from desktop_app.reports.printing import (PORTRAIT_TEXT_WIDTH, chart_image, display, escape, html_table,
                                          write_pdf_document)
from desktop_app.reports.tables import charts, key_figures, period_title, table

EVENT_FIELDS = ["start_date", "type", "title", "country", "participants_total", "participants_women",
                "participants_men", "international_experts"]
EVENT_WIDTHS = {"start_date": 12, "type": 12, "title": 26, "country": 14}
# Shorter headers where a long field label would not fit a narrow number column.
SHORT_HEADERS = {"international_experts": N_("Experts")}


def report_html(report: Report) -> tuple[str, dict]:
    """The report's HTML and the chart images it refers to."""
    figures = report.figures
    events = table(report, "events")
    events.headers = [_(SHORT_HEADERS[f]) if f in SHORT_HEADERS else h for f, h in zip(events.fields, events.headers)]
    images = {f"chart{index}.png": chart_image(chart) for index, chart in enumerate(charts(figures))}
    rows = "".join(f"<tr><td>{escape(line.label)}</td><td align=right>{escape(display(line.value))}</td></tr>"
                   for line in key_figures(figures))
    parts = [
        f"<h1>{escape(period_title(figures))}</h1>",
        f"<p>{escape(figures['summary'])}</p>",
        *(f'<p><img src="{name}" width="{PORTRAIT_TEXT_WIDTH}"></p>' for name in images),
        f'<h2 style="page-break-before: always;">{escape(_("Key figures"))}</h2>',
        f'<table cellspacing="0" cellpadding="3" border="1" style="border-collapse: collapse;">{rows}</table>',
        f'<h2 style="margin-top: 18px;">{escape(_("Events"))}</h2>',
        html_table(events, EVENT_FIELDS, EVENT_WIDTHS),
        f'<h2 style="margin-top: 18px;">{escape(_("Follow-up actions"))}</h2>',
        html_table(table(report, "actions")),
    ]
    return "".join(parts), images


def write_pdf(report: Report, path: Path) -> None:
    body, images = report_html(report)
    write_pdf_document(body, path, period_title(report.figures), images)
