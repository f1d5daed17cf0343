"""Commands on the database's encryption: encrypt, decrypt, change-passphrase; and asking for its passphrase.

The database passphrase comes from the global ``--db-passphrase-file F`` or, when there is a terminal,
is typed there; it is distinct from the bundle passphrase of ``export``/``import``.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from desktop_app.domain.errors import InputError
from desktop_app.i18n import _
from desktop_app.storage import database, encryption


def register(subparsers) -> list:
    encrypt = subparsers.add_parser("encrypt", help=_(
        "encrypt the database and its backups with a passphrase (from --db-passphrase-file or typed)"))
    encrypt.set_defaults(handler=run_encrypt)
    decrypt = subparsers.add_parser("decrypt", help=_("store the database and its backups unencrypted again"))
    decrypt.set_defaults(handler=run_decrypt)
    change = subparsers.add_parser("change-passphrase", help=_(
        "encrypt the database and its backups with a new passphrase"))
    change.add_argument("--new-passphrase-file", type=Path, metavar="F", help=_("the new passphrase is in F"))
    change.set_defaults(handler=run_change_passphrase)
    return [encrypt, decrypt, change]


def read_passphrase_file(path: Path, option: str) -> bytearray:
    """The first line of ``path`` as bytes (a passphrase file holds one line)."""
    try:
        content = bytearray(path.read_bytes())
    except OSError as error:
        raise InputError(_("{option}: cannot read {path} ({error})").format(
            option=option, path=path, error=error.strerror)) from None
    while content[-1:] in (b"\n", b"\r"):
        del content[-1:]
    if not content:
        raise InputError(_("{option}: {path} is empty").format(option=option, path=path))
    return content


def _typed(prompt: str, confirm: bool) -> bytearray:
    if not sys.stdin or not sys.stdin.isatty():
        raise InputError(_("The database passphrase is needed: give it with --db-passphrase-file F "
                           "(there is no terminal to type it on)"))
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


def _database(args) -> Path:
    from desktop_app.cli.main import database_path

    path = database_path(args).absolute()
    database.check_location(path, must_exist=True)
    return path


def _report(path: Path, done: str, left: list[Path]) -> None:
    print(done.format(path=path))
    for backup in left:
        print(_("Left unchanged (another passphrase): {path}").format(path=backup), file=sys.stderr)


def run_encrypt(args) -> int:
    path = _database(args)
    if encryption.is_encrypted(path):
        raise InputError(_("{path} is already encrypted; use “change-passphrase”").format(path=path))
    secret = new_passphrase(args)
    key = encryption.Key.new(secret)
    secret[:] = bytes(len(secret))
    _report(path, _("Encrypted {path} and its backups"), encryption.rekey_all(path, None, key))
    key.wipe()
    return 0


def run_decrypt(args) -> int:
    path = _database(args)
    if not encryption.is_encrypted(path):
        raise InputError(_("{path} is not encrypted").format(path=path))
    key = encryption.key_to_open(path, current_passphrase(args, path))
    _report(path, _("Decrypted {path} and its backups: anyone with the files can read them now"),
            encryption.rekey_all(path, key, None))
    key.wipe()
    return 0


def run_change_passphrase(args) -> int:
    path = _database(args)
    if not encryption.is_encrypted(path):
        raise InputError(_("{path} is not encrypted; use “encrypt”").format(path=path))
    old = encryption.key_to_open(path, current_passphrase(args, path))
    secret = new_passphrase(args, "new_passphrase_file")
    new = encryption.Key.new(secret)
    secret[:] = bytes(len(secret))
    _report(path, _("The passphrase of {path} and its backups was changed"), encryption.rekey_all(path, old, new))
    old.wipe()
    new.wipe()
    return 0


def gui_passphrase(args) -> bytearray | None:
    """The window's database passphrase from ``--db-passphrase-file`` (else the window asks for it)."""
    if args.db_passphrase_file is None:
        return None
    try:
        return read_passphrase_file(args.db_passphrase_file, "--db-passphrase-file")
    except InputError as error:
        print(f"platform-desk: {error}", file=sys.stderr)
        raise SystemExit(error.exit_code) from None
