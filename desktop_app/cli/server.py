"""Commands for a secretariat on a PostgreSQL server (SPEC §6): migrate-to."""

from __future__ import annotations

from pathlib import Path

from desktop_app.cli.common import current_passphrase, database_path, with_password
from desktop_app.errors import InputError
from desktop_app.i18n import _


def register(subparsers) -> list:
    move = subparsers.add_parser(
        "migrate-to",
        help=_(
            "copy this database (identity, change log and all) into an empty server database; also restores a "
            "server database from its backup file"
        ),
    )
    move.add_argument("url", metavar="URL", help=_("the empty server database, postgresql://user@host[:port]/dbname"))
    move.set_defaults(handler=run_migrate_to)
    return [move]


def run_migrate_to(args) -> int:
    from desktop_app.domain.desk import Desk

    source = database_path(args)
    if not isinstance(source, Path):
        raise InputError(_("migrate-to: --db must name a database file; back up a server database to a file first"))
    from desktop_app.storage import server

    server.parse(args.url)  # a file or a malformed address: one line before anything is opened
    desk = Desk.open(source, current_passphrase(args, source) if source.exists() else None, keep_identity=True)
    try:
        moved = with_password(args.url, lambda password: desk.copy_to(args.url, password))
        moved.close()
    finally:
        desk.close()
    print(_("Copied {path} to {url}").format(path=desk.location, url=moved.location))
    return 0
