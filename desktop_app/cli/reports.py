"""Commands that produce documents: report (JSON, CSV, XLSX, PDF), calendar (iCalendar), and an
event's printable sheets (attendance sheet, certificates)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path

from desktop_app.cli.arguments import whole_number
from desktop_app.cli.common import opened
from desktop_app.domain.schema import country_codes
from desktop_app.errors import InputError
from desktop_app.i18n import _, ngettext
from desktop_app.os_errors import os_reason

SHEETS = ("attendance", "certificates")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(_("“{value}” is not a date written YYYY-MM-DD").format(value=text)) from None


def register(subparsers) -> list:
    from desktop_app.reports import FORMATS

    report = subparsers.add_parser("report", help=_("write the report for a year (or a period) and a country"))
    report.add_argument(
        "--year", type=whole_number, required=True, metavar="YYYY", help=_("the year the events started in")
    )
    report.add_argument("--format", required=True, choices=FORMATS, help=_("the kind of file to write"))
    report.add_argument("--out", type=Path, required=True, metavar="FILE", help=_("the file to write"))
    report.add_argument("--country", metavar="CC", help=_("only events held in or with this country"))
    report.add_argument("--from", dest="start", metavar="DATE", help=_("first day (default: 1 January)"))
    report.add_argument("--to", dest="end", metavar="DATE", help=_("last day (default: 31 December)"))
    report.add_argument(
        "--include-people", action="store_true", help=_("also write the participants' names, gender and e-mail (XLSX)")
    )
    report.add_argument(
        "--csv-delimiter",
        choices=("semicolon", "comma", "tab"),
        default="semicolon",
        help=_("the separator of a CSV file (default: semicolon, as Excel expects in most regions)"),
    )
    report.set_defaults(handler=run_report)

    calendar = subparsers.add_parser(
        "calendar", help=_("write the events as an .ics calendar (cancelled ones marked so)")
    )
    calendar.add_argument("--out", type=Path, required=True, metavar="FILE.ics")
    calendar.set_defaults(handler=run_calendar)

    sheet = subparsers.add_parser("sheet", help=_("print an event's attendance sheet or certificates of participation"))
    sheet.add_argument("event_id", metavar="EVENT_ID")
    sheet.add_argument("--kind", required=True, choices=SHEETS)
    sheet.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    sheet.set_defaults(handler=run_sheet)
    return [report, calendar, sheet]


def period_from(args):
    """The report period of the command's arguments; InputError for a bad year, date or country."""
    from desktop_app.reports.data import Period

    if not 1900 <= args.year <= 9999:
        raise InputError(_("--year: “{value}” is not a year").format(value=args.year))
    country = args.country.strip().upper() if args.country else None
    if country and country not in country_codes():
        raise InputError(_("--country: “{value}” is not an ISO 3166-1 country code").format(value=args.country))
    start = _iso_date(args.start) if args.start else None
    end = _iso_date(args.end) if args.end else None
    period = Period.of(args.year, country, start, end)
    if period.end < period.start:
        raise InputError(_("--from/--to: the last day comes before the first"))
    return period


def run_report(args) -> int:
    from desktop_app.reports.data import compute
    from desktop_app.reports.export import CSV_DELIMITERS, write_report

    period = period_from(args)
    with opened(args) as desk:
        report = compute(desk, period)
    with writing_to(args.out):
        write_report(report, args.format, args.out, CSV_DELIMITERS[args.csv_delimiter], args.include_people)
    print(_("Wrote {path}").format(path=args.out))
    return 0


@contextmanager
def writing_to(path: Path):
    """Report a file that cannot be written as one line (exit status 2)."""
    try:
        yield
    except OSError as error:
        raise InputError(_("cannot write {path}: {error}").format(path=path, error=os_reason(error))) from None


def run_calendar(args) -> int:
    from desktop_app.reports.calendar import write_calendar

    with opened(args) as desk, writing_to(args.out):
        count = write_calendar(desk, args.out)
    print(
        ngettext("Wrote {count} event to {path}", "Wrote {count} events to {path}", count).format(
            count=count, path=args.out
        )
    )
    return 0


def run_sheet(args) -> int:
    from desktop_app.reports.sheets import write_attendance_sheet, write_certificates

    writer = write_attendance_sheet if args.kind == "attendance" else write_certificates
    with opened(args) as desk, writing_to(args.out):
        count = writer(desk, args.event_id, args.out)
    print(
        ngettext("Wrote {path} ({count} person)", "Wrote {path} ({count} people)", count).format(
            count=count, path=args.out
        )
    )
    return 0
