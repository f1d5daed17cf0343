"""Write a report as JSON, CSV or XLSX, in the current language.

- JSON: the figures of ``data`` (the keys other programs rely on), UTF-8.
- CSV: one table, the events, with its header row and nothing else, so that any program reads it as
  a table (the figures are in the JSON and XLSX). UTF-8 with a byte-order mark so that Excel reads
  Cyrillic correctly; the separator is ``;`` in every language (Excel opens it as columns under Russian
  and most other regional settings), or the one given. Dates are ISO ``YYYY-MM-DD``.
- XLSX: a summary sheet (title, summary, key figures, figures by country), then one sheet per table
  (events and actions; participations and people, which name people, only with ``--include-people``)
  with real date and number cells, a frozen header row,
  an auto-filter and column widths fitted to the content. Every sheet prints on A4 landscape, fitted
  to the page width, with its print area set and its header row repeated on each page.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from desktop_app.i18n import _, country_name
from desktop_app.reports import FORMATS  # noqa: F401 - the formats write_report accepts
from desktop_app.reports.data import Report
from desktop_app.reports.tables import COLUMNS, key_figures, period_title, table

MAX_WIDTH = 60
DATE_FORMAT = "yyyy-mm-dd"
SHEET_NAME_LIMIT = 31
BOLD = Font(bold=True)


def write_json(report: Report, path: Path) -> None:
    Path(path).write_text(json.dumps(report.figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


CSV_DELIMITERS = {"semicolon": ";", "comma": ",", "tab": "\t"}
DEFAULT_CSV_DELIMITER = ";"


def _csv_value(value):
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def write_csv(report: Report, path: Path, delimiter: str = DEFAULT_CSV_DELIMITER) -> None:
    """The events table alone: a header row, then one row per event."""
    events = table(report, "events")
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(events.headers)
        writer.writerows([_csv_value(v) for v in row] for row in events.rows)


def _fit_columns(sheet, header_row: int = 1) -> None:
    for index, column in enumerate(sheet.iter_cols(min_row=header_row), start=1):
        width = max(
            ((10 if isinstance(c.value, date) else len(str(c.value))) for c in column if c.value is not None), default=8
        )
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width + 2)


def _header(sheet, row: int, headers: list[str]) -> None:
    for column, text in enumerate(headers, start=1):
        sheet.cell(row=row, column=column, value=text).font = BOLD


def _print_setup(sheet, header_row: int = 1) -> None:
    """A4 landscape, one page wide, the used range as print area, the header row on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_area = sheet.dimensions
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_options.gridLines = False
    for side in ("left", "right"):
        setattr(sheet.page_margins, side, 0.6)


def _sheet_name(title: str) -> str:
    """A translated title as an Excel sheet name (no ``[]:*?/\\``, at most 31 characters)."""
    return "".join(" " if ch in "[]:*?/\\" else ch for ch in title)[:SHEET_NAME_LIMIT]


PERSONAL_TABLES = ("participations", "people")  # names, gender, e-mail: only when asked for


def summary_row_height(text: str, width_characters: float) -> float:
    """Points for a wrapped cell of ``text`` in merged columns ``width_characters`` wide (11-point Calibri
    fits about one character per unit of width, and a line takes 15 points)."""
    per_line = max(1, int(width_characters * 0.95))
    lines = sum(max(1, -(-len(paragraph) // per_line)) for paragraph in text.split("\n"))
    return 15 * lines + 6


def write_xlsx(report: Report, path: Path, include_people: bool = False) -> None:
    """The summary, events and actions; the participations and people sheets (personal data) only with
    ``include_people``."""
    book = Workbook()
    summary = book.active
    summary.title = _sheet_name(_("Summary"))
    summary["A1"] = period_title(report.figures)
    summary["A1"].font = Font(bold=True, size=14)
    summary["A2"] = report.figures["summary"]
    summary["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    summary.merge_cells("A2:C2")
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
    summary.column_dimensions["A"].width = max(summary.column_dimensions["A"].width, 40)
    summary.row_dimensions[2].height = summary_row_height(
        report.figures["summary"], sum(summary.column_dimensions[letter].width for letter in "ABC")
    )
    summary.freeze_panes = "A5"
    _print_setup(summary, header_row=4)
    for name in COLUMNS:
        if name in PERSONAL_TABLES and not include_people:
            continue
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
        _print_setup(sheet)
    book.save(path)


def write_report(
    report: Report,
    file_format: str,
    path: Path,
    csv_delimiter: str = DEFAULT_CSV_DELIMITER,
    include_people: bool = False,
) -> None:
    """Write the report in one of ``FORMATS`` (PDF needs Qt, imported only then); personal data (the XLSX
    participations and people) only with ``include_people``."""
    if file_format == "pdf":
        from desktop_app.reports.pdf import write_pdf

        write_pdf(report, path)
    elif file_format == "csv":
        write_csv(report, path, csv_delimiter)
    elif file_format == "xlsx":
        write_xlsx(report, path, include_people)
    else:
        write_json(report, path)
