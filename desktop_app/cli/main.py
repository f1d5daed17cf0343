"""``platform-desk``: parse the command line, run one command, report errors as one line.

Exit status: 0 success, 2 bad input or a refused file, 1 anything else.
Each command module contributes its sub-commands through ``register(subparsers)``.
"""

from __future__ import annotations

import argparse
import errno
import os
import sqlite3
import sys
from pathlib import Path

from desktop_app import __version__, i18n, logbook, paths
from desktop_app.cli.common import database_path, database_target, read_passphrase_file
from desktop_app.errors import DeskError, InputError, one_line, sqlite_code
from desktop_app.i18n import _

COMMAND_MODULES = (
    "desktop_app.cli.records",
    "desktop_app.cli.sync",
    "desktop_app.cli.held",
    "desktop_app.cli.reports",
    "desktop_app.cli.attendance",
    "desktop_app.cli.encryption",
    "desktop_app.cli.server",
)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {one_line(message)}\n")  # an argument may hold a newline


def _add_common(parser: argparse.ArgumentParser, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--db",
        type=database_target,
        default=default,
        metavar="PATH",
        help=_(
            "the database file (default: in your data folder), or a server database "
            "postgresql://user@host[:port]/dbname"
        ),
    )
    parser.add_argument(
        "--db-passphrase-file",
        type=Path,
        default=default,
        metavar="F",
        help=_("the database's passphrase is in F (an encrypted database; not a bundle's)"),
    )
    parser.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        default=default,
        metavar="CODE",
        help=_("language for this run: {codes}").format(codes=", ".join(i18n.LANGUAGES)),
    )


def _top_parser(**options) -> argparse.ArgumentParser:
    """The options of the program itself, before any command."""
    parser = OneLineParser(
        prog="platform-desk",
        description=_(
            "Platform Desk: the offline record of the Regional Anti-Corruption Platform for Central Asia. "
            "Without a command, it opens the window."
        ),
        **options,
    )
    parser.add_argument("--version", action="version", version=f"Platform Desk {__version__}")
    _add_common(parser, top=True)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=_("open the window with its first page, then exit as soon as it is idle (0 if all went well)"),
    )
    return parser


def window_arguments(argv: list[str]) -> argparse.Namespace | None:
    """The parsed options when ``argv`` opens the window (no command, no help); ``None`` otherwise.

    The window starts without importing the commands (and SQLAlchemy behind them), so that it paints at once.
    """
    args, rest = _top_parser(add_help=False).parse_known_args(argv)
    return None if rest else args


def build_parser() -> argparse.ArgumentParser:
    parser = _top_parser()
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for module_name in COMMAND_MODULES:
        module = __import__(module_name, fromlist=["register"])
        for sub in module.register(subparsers):
            _add_common(sub, top=False)
    return parser


def gui_passphrase(args) -> bytearray | None:
    """The window's database passphrase from ``--db-passphrase-file`` (else the window asks for it)."""
    if args.db_passphrase_file is None:
        return None
    try:
        return read_passphrase_file(args.db_passphrase_file, "--db-passphrase-file")
    except InputError as error:
        print(f"platform-desk: {error}", file=sys.stderr)
        raise SystemExit(error.exit_code) from None


def _language_from(argv: list[str]) -> str | None:
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    logbook.setup()
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    language = _language_from(argv)
    i18n.set_language(i18n.preferred_language(language if language in i18n.LANGUAGES else None))
    args = window_arguments(argv) or build_parser().parse_args(argv)
    if getattr(args, "command", None) is None:
        from desktop_app.ui.app import run  # Qt only for the window: commands stay fast

        return run(database_path(args), args.lang, smoke=args.smoke, passphrase=gui_passphrase(args))
    return run_command(args)


def run_command(args) -> int:
    """Run a parsed command: 0, or one line on stderr and 2 for what the user can act on, 1 for a bug."""
    try:
        return args.handler(args) or 0
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`): nothing left to say
        return 0
    except KeyboardInterrupt:
        print(_("platform-desk: interrupted"), file=sys.stderr)
        return 1
    except Exception as error:  # one line, never a traceback
        known = explain(error, database_path(args))
        if known is None:  # a bug: the details go to the log
            logbook.unexpected(f"the command {args.command}", error)
            print(
                _("platform-desk: unexpected error: {error} (details in {log})").format(
                    error=one_line(error), log=paths.log_file()
                ),
                file=sys.stderr,
            )
            return 1
        logbook.error(f"{args.command}: {known}")
        print(f"platform-desk: {one_line(known)}", file=sys.stderr)
        return known.exit_code if isinstance(known, DeskError) else 2


def explain(error: BaseException, db: Path | str) -> DeskError | None:
    """The user's side of a failure — a refused file, a database that is not one, a read-only medium,
    a full disk — as one translated line with exit status 2; None for a bug."""
    if isinstance(error, DeskError):
        return error
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(error, DBAPIError):
        if isinstance(db, str) and isinstance(error, OperationalError):  # the server went away, or refused
            from desktop_app.storage import server

            return server.connect_error(error, db)
        error = error.orig or error
    if isinstance(error, OSError):
        where = error.filename or db
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            return InputError(_("The disk is full: nothing was changed"))
        if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return InputError(_("Cannot write to {path}: the folder or file is read-only").format(path=where))
        return InputError(_("Cannot read or write {path}: {reason}").format(path=where, reason=error.strerror))
    code = sqlite_code(error)
    if code == sqlite3.SQLITE_FULL or (code == sqlite3.SQLITE_IOERR and _nearly_full(db)):
        return InputError(_("The disk is full: nothing was changed"))
    if code == sqlite3.SQLITE_IOERR:
        return InputError(_("Cannot read or write {path}: {reason}").format(path=db, reason=str(error).lower()))
    if code == sqlite3.SQLITE_READONLY:
        return InputError(_("Cannot write to {path}: the folder or file is read-only").format(path=db))
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_CANTOPEN):
        return InputError(
            _("{path} is not a Platform Desk database (it is empty or another kind of file)").format(path=db)
        )
    return None


def _nearly_full(db: Path | str) -> bool:
    """SQLite reports a disk too full even for its shared-memory file as a mere I/O error."""
    try:
        stats = os.statvfs(Path(db).absolute().parent)
    except (OSError, AttributeError):
        return False
    return stats.f_bavail * stats.f_frsize < (1 << 20)
