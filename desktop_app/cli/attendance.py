"""Command to import an attendance list (XLSX or CSV) into an event."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_app.cli.common import opened
from desktop_app.i18n import _


def register(subparsers) -> list:
    command = subparsers.add_parser(
        "import-attendance", help=_("import an attendance list (XLSX or CSV) into an event; prints what it did as JSON")
    )
    command.add_argument("event_id", metavar="EVENT_ID")
    command.add_argument("file", type=Path, metavar="FILE")
    command.add_argument(
        "--dry-run",
        action="store_true",
        help=_("show what would be imported, row by row with the person each row matches and why; change nothing"),
    )
    command.set_defaults(handler=run_import_attendance)
    return [command]


def run_import_attendance(args) -> int:
    from desktop_app.importers.attendance import AttendanceImportError, describe, import_attendance, preview

    with opened(args) as desk:
        if args.dry_run:
            planned = preview(desk, args.file, args.event_id)
            if planned.errors:
                raise AttendanceImportError(planned.errors)
            summary = {
                "new": planned.count("new"),
                "matched": planned.count("matched"),
                "already": planned.count("already"),
                "rejoins": planned.count("rejoin"),
                "dry_run": True,
                "rows": [describe(row) for row in planned.rows],
            }
        else:
            result = import_attendance(desk, args.file, args.event_id)
            summary = {
                "new": result.people_created,
                "matched": result.people_matched,
                "already": result.already_recorded,
                "rejoins": result.rejoins,
                "participations_added": result.participations_added,
            }
    print(json.dumps(summary, ensure_ascii=False))
    return 0
