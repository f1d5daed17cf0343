"""Write a report as JSON, CSV or XLSX, in the current language.

- JSON: the figures of ``data`` (the keys other programs rely on), UTF-8.
- CSV: for a spreadsheet, UTF-8 with a byte-order mark so that Excel reads Cyrillic correctly; the
  separator is ``;`` where the language writes decimals with a comma (as Excel expects there), else
  ``,``. One file, two blocks separated by an empty line: first the title and the key figures
  (label, number), then the events table with its header row. Dates are ISO ``YYYY-MM-DD``.
- XLSX: a summary sheet (title, summary, key figures, figures by country), then one sheet per table
  (events, participations, people, actions) with real date and number cells, a frozen header row,
  an auto-filter and column widths fitted to the content.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from babel.numbers import get_decimal_symbol
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from desktop_app.i18n import _, babel_locale, country_name
from desktop_app.reports.data import Report
from desktop_app.reports.tables import COLUMNS, key_figures, period_title, table

from desktop_app.reports import FORMATS  # noqa: F401 - the formats write_report accepts
MAX_WIDTH = 60
DATE_FORMAT = "yyyy-mm-dd"
SHEET_NAME_LIMIT = 31
BOLD = Font(bold=True)


def write_json(report: Report, path: Path) -> None:
    Path(path).write_text(json.dumps(report.figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def csv_separator() -> str:
    """``;`` where the current language's decimal mark is a comma, ``,`` elsewhere."""
    return ";" if get_decimal_symbol(babel_locale()) == "," else ","


def _csv_value(value):
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def write_csv(report: Report, path: Path) -> None:
    events = table(report, "events")
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=csv_separator())
        writer.writerow([period_title(report.figures)])
        writer.writerows((line.label, line.value) for line in key_figures(report.figures))
        writer.writerow([])
        writer.writerow(events.headers)
        writer.writerows([_csv_value(v) for v in row] for row in events.rows)


def _fit_columns(sheet, header_row: int = 1) -> None:
    for index, column in enumerate(sheet.iter_cols(min_row=header_row), start=1):
        width = max(((10 if isinstance(c.value, date) else len(str(c.value))) for c in column if c.value is not None),
                    default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width + 2)


def _header(sheet, row: int, headers: list[str]) -> None:
    for column, text in enumerate(headers, start=1):
        sheet.cell(row=row, column=column, value=text).font = BOLD


def _sheet_name(title: str) -> str:
    """A translated title as an Excel sheet name (no ``[]:*?/\\``, at most 31 characters)."""
    return "".join(" " if ch in "[]:*?/\\" else ch for ch in title)[:SHEET_NAME_LIMIT]


def write_xlsx(report: Report, path: Path) -> None:
    book = Workbook()
    summary = book.active
    summary.title = _sheet_name(_("Summary"))
    summary["A1"] = period_title(report.figures)
    summary["A1"].font = Font(bold=True, size=14)
    summary["A2"] = report.figures["summary"]
    summary["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    summary.merge_cells("A2:C2")
    summary.row_dimensions[2].height = 15 * (1 + len(report.figures["summary"]) // 90)
    _header(summary, 4, [_("Figure"), _("Number")])
    for row, line in enumerate(key_figures(report.figures), start=5):
        summary.cell(row=row, column=1, value=line.label)
        summary.cell(row=row, column=2, value=line.value)
    first = summary.max_row + 2
    _header(summary, first, [_("Country"), _("Events"), _("Participants")])
    for row, (code, entry) in enumerate(report.figures["by_country"].items(), start=first + 1):
        summary.cell(row=row, column=1, value=country_name(code))
        summary.cell(row=row, column=2, value=entry["events"])
        summary.cell(row=row, column=3, value=entry["participants"])
    _fit_columns(summary, header_row=4)
    summary.freeze_panes = "A5"
    for name in COLUMNS:
        data = table(report, name)
        sheet = book.create_sheet(_sheet_name(data.title))
        _header(sheet, 1, data.headers)
        for values in data.rows:
            sheet.append(values)
        for column, kind in enumerate(data.types, start=1):
            if kind == "date":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                    cell.number_format = DATE_FORMAT
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        _fit_columns(sheet)
    book.save(path)


def write_report(report: Report, file_format: str, path: Path) -> None:
    """Write the report in one of ``FORMATS`` (PDF needs Qt, imported only then)."""
    if file_format == "pdf":
        from desktop_app.reports.pdf import write_pdf

        write_pdf(report, path)
    else:
        {"json": write_json, "csv": write_csv, "xlsx": write_xlsx}[file_format](report, path)
