"""Commands on the database's encryption: encrypt, decrypt, change-passphrase.

The database passphrase comes from the global ``--db-passphrase-file F`` or, when there is a terminal,
is typed there; it is distinct from the bundle passphrase of ``export``/``import``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from desktop_app.cli.common import current_passphrase, database_path, new_passphrase
from desktop_app.errors import InputError
from desktop_app.i18n import _
from desktop_app.storage import database, encryption


def register(subparsers) -> list:
    encrypt = subparsers.add_parser(
        "encrypt", help=_("encrypt the database and its backups with a passphrase (from --db-passphrase-file or typed)")
    )
    encrypt.set_defaults(handler=run_encrypt)
    decrypt = subparsers.add_parser("decrypt", help=_("store the database and its backups unencrypted again"))
    decrypt.set_defaults(handler=run_decrypt)
    change = subparsers.add_parser(
        "change-passphrase", help=_("encrypt the database and its backups with a new passphrase")
    )
    change.add_argument("--new-passphrase-file", type=Path, metavar="F", help=_("the new passphrase is in F"))
    change.set_defaults(handler=run_change_passphrase)
    return [encrypt, decrypt, change]


def _database(args) -> Path:
    path = database_path(args).absolute()
    database.check_location(path, must_exist=True)
    return path


def _rekey(path: Path, old: encryption.Key | None, new: encryption.Key | None) -> list[Path]:
    """Convert the database and its backups; the backups ``old`` does not open are returned."""
    return encryption.rekey_all(path, database.list_backups(path), old, new)


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
    _report(path, _("Encrypted {path} and its backups"), _rekey(path, None, key))
    key.wipe()
    return 0


def run_decrypt(args) -> int:
    path = _database(args)
    if not encryption.is_encrypted(path):
        raise InputError(_("{path} is not encrypted").format(path=path))
    key = encryption.key_to_open(path, current_passphrase(args, path))
    _report(
        path, _("Decrypted {path} and its backups: anyone with the files can read them now"), _rekey(path, key, None)
    )
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
    _report(path, _("The passphrase of {path} and its backups was changed"), _rekey(path, old, new))
    old.wipe()
    new.wipe()
    return 0
