"""``held``: the changes waiting for what allows them (SPEC §3), listed or purged."""

from __future__ import annotations

import json

from desktop_app.cli.arguments import device_id
from desktop_app.cli.common import opened
from desktop_app.i18n import _, ngettext

_EVERY_SENDER = True  # ``--purge`` without a device id (not text, so argparse does not check it as one)


def register(subparsers) -> list:
    held = subparsers.add_parser("held", help=_("list the changes waiting for what allows them, or purge them"))
    held.add_argument("--json", action="store_true")
    held.add_argument(
        "--purge",
        nargs="?",
        const=_EVERY_SENDER,
        type=device_id,
        metavar="DEVICE_ID",
        help=_("remove every waiting change, or those one sender brought"),
    )
    held.set_defaults(handler=run_held)
    return [held]


def run_held(args) -> int:
    from desktop_app.sync import waiting  # not at import: --help and --version stay quick

    with opened(args) as desk:
        if args.purge is not None:
            removed = waiting.purge(desk, None if args.purge is _EVERY_SENDER else args.purge)
            print(ngettext("Removed {n} waiting change", "Removed {n} waiting changes", removed).format(n=removed))
            return 0
        rows = waiting.held_changes(desk)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for row in rows:
        print(
            "  ".join(
                (
                    row["since"],
                    row["sender"],
                    row["author"],
                    row["kind"],
                    row["record"],
                    row["field"],
                    _(waiting.REASON_LABELS.get(row["reason"], row["reason"])),
                    f"{row['bytes']} B",
                )
            )
        )
    return 0
