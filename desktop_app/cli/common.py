"""What the commands share: the database a command works on (a file or a server URL), its passphrase (from a
file or typed) and a server's password (typed when PGPASSWORD and ~/.pgpass have none).

A passphrase file, for a database or a bundle, is read by ``read_passphrase_file`` alone: one line, a
byte-order mark (as Notepad writes) and the line end are not part of the passphrase.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop_app import paths
from desktop_app.errors import InputError
from desktop_app.i18n import _
from desktop_app.storage import encryption

UTF8_BOM = b"\xef\xbb\xbf"


def database_target(value: str) -> Path | str:
    """A ``--db`` value: a server URL is kept as text (a path would fold its ``//``), anything else is a file."""
    return value if paths.is_server_url(value) else Path(value)


def database_path(args) -> Path | str:
    """The file or server URL named by ``--db``, or the database file in the user's data folder."""
    return database_target(str(args.db)) if args.db else paths.default_db_path()


def with_password(target: Path | str, attempt):
    """``attempt(None)``; if a server database wants a password that PGPASSWORD and ~/.pgpass did not give, it is
    typed on the terminal and ``attempt(password)`` tried once more. The password is never stored."""
    from desktop_app.storage import server

    try:
        return attempt(None)
    except server.PasswordNeeded as needed:
        if not sys.stdin or not sys.stdin.isatty():
            raise InputError(
                _("{reason}: set PGPASSWORD or add it to ~/.pgpass (there is no terminal to type it on)").format(
                    reason=needed
                )
            ) from None
        return attempt(getpass.getpass(_("Password for {url}:").format(url=server.display(target)) + " "))


def read_passphrase_file(path: Path, option: str) -> bytearray:
    """The passphrase in ``path`` as bytes, without a leading byte-order mark or the trailing line end.

    ``option`` (e.g. ``--db-passphrase-file``) starts the message when the file is unreadable or empty.
    """
    try:
        content = bytearray(path.read_bytes())
    except OSError as error:
        raise InputError(
            _("{option}: cannot read {path} ({error})").format(option=option, path=path, error=error.strerror)
        ) from None
    if content.startswith(UTF8_BOM):
        del content[: len(UTF8_BOM)]
    while content[-1:] in (b"\n", b"\r"):
        del content[-1:]
    if not content:
        raise InputError(_("{option}: {path} is empty").format(option=option, path=path))
    return content


def _typed(prompt: str, confirm: bool) -> bytearray:
    if not sys.stdin or not sys.stdin.isatty():
        raise InputError(
            _(
                "The database passphrase is needed: give it with --db-passphrase-file F "
                "(there is no terminal to type it on)"
            )
        )
    first = getpass.getpass(prompt).encode("utf-8")
    if confirm and getpass.getpass(_("The same passphrase again: ")).encode("utf-8") != first:
        raise InputError(_("The two passphrases differ; nothing was changed"))
    if not first:
        raise InputError(_("The passphrase is empty"))
    return bytearray(first)


def current_passphrase(args, path: Path) -> bytearray | None:
    """The passphrase of the existing database at ``path``: from the file option, typed, or ``None`` if plain."""
    if getattr(args, "db_passphrase_file", None) is not None:
        return read_passphrase_file(args.db_passphrase_file, "--db-passphrase-file")
    if not encryption.is_encrypted(path):
        return None
    return _typed(_("Passphrase of {path}: ").format(path=path), confirm=False)


def new_passphrase(args, option: str = "db_passphrase_file") -> bytearray:
    """A passphrase for encrypting: from the named file option, or typed twice."""
    file = getattr(args, option, None)
    if file is not None:
        return read_passphrase_file(file, "--" + option.replace("_", "-"))
    return _typed(_("New passphrase for the database: "), confirm=True)


@contextmanager
def opened(args) -> Iterator:
    """The database named by ``--db`` (or the default one) as a ``Desk``, closed afterwards."""
    from desktop_app.domain.desk import Desk  # not at import: --help and --version stay quick

    path = database_path(args)
    if isinstance(path, str):
        desk = with_password(path, lambda password: Desk.open(path, password=password))
    else:
        desk = Desk.open(path, current_passphrase(args, path) if path.exists() else None)
    for notice in desk.notices:
        print(notice, file=sys.stderr)
    try:
        yield desk
    finally:
        desk.close()
