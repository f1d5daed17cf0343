"""Encryption at rest: SQLCipher connections, the database key, and converting a file between states.

The passphrase is stretched once per process with scrypt into a 256-bit key; SQLCipher is given
that raw key together with the 16-byte salt it keeps, unencrypted, at the start of the file
(``PRAGMA key = "x'<key><salt>'"``), so opening a connection costs no key derivation of its own.
The database, its WAL and every backup share the salt and therefore the key.

A converted file (``encrypt``, ``decrypt``, ``change-passphrase``) is written beside the original,
checked, flushed to disk and then renamed over it: a crash leaves the old file or the new one, whole.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from desktop_app import kill_points, logbook
from desktop_app.errors import BusyError, InputError
from desktop_app.i18n import _

SQLITE_MAGIC = b"SQLite format 3\x00"
MIN_PAGE_BYTES = 512  # SQLCipher's smallest page: an encrypted file is whole pages
SALT_BYTES = 16
KEY_BYTES = 32
# The first byte of the salt names the key derivation, so that a later version can strengthen it and still
# open older files. 1: scrypt's "interactive" setting (N, r, p), about 40 ms and 16 MiB, once per process
# and once per unlock.
KDF_VERSION = 1
KDF_PARAMETERS = {1: (2**14, 8, 1)}
CONVERTING_SUFFIX = ".converting"


def dbapi():
    """The ``sqlcipher3`` DB-API module, imported only when an encrypted database is met."""
    from sqlcipher3 import dbapi2

    return dbapi2


class WrongPassphrase(InputError):
    """The passphrase does not open the file; nothing was changed."""


class PassphraseNeeded(InputError):
    """The file is encrypted and no passphrase was given."""


class Key:
    """A database key (32 bytes) and its salt, in a bytearray that ``wipe`` overwrites.

    The engines of an encrypted database hold this object, not a copy of the bytes, so wiping it
    (when the window locks) leaves nothing from which a new connection could be keyed.
    """

    def __init__(self, key: bytes | bytearray, salt: bytes):
        self._material = bytearray(key) + bytearray(salt)

    @classmethod
    def derive(cls, passphrase: str | bytes | bytearray, salt: bytes) -> "Key":
        secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)
        if not secret:
            raise InputError(_("The passphrase is empty"))
        n, r, p = KDF_PARAMETERS[salt[0]]
        try:
            key = hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=64 * 2**20, dklen=KEY_BYTES)
        finally:
            del secret
        return cls(key, salt)

    @classmethod
    def new(cls, passphrase: str | bytes | bytearray) -> "Key":
        """A key with a fresh random salt, for a file about to be encrypted."""
        return cls.derive(passphrase, bytes([KDF_VERSION]) + os.urandom(SALT_BYTES - 1))

    @classmethod
    def for_file(cls, path: Path, passphrase: str | bytes | bytearray) -> "Key":
        """The key of an existing encrypted file (its salt is read from the file)."""
        salt = salt_of(path)
        if salt[:1] not in [bytes([version]) for version in KDF_PARAMETERS]:  # not ours, or from a newer version
            raise WrongPassphrase(_("The passphrase does not open {path}; nothing was changed").format(path=path))
        return cls.derive(passphrase, salt)

    @property
    def wiped(self) -> bool:
        return not any(self._material)

    def wipe(self) -> None:
        for index in range(len(self._material)):
            self._material[index] = 0

    def refill(self, other: "Key") -> None:
        """Take ``other``'s bytes (same salt), e.g. after the passphrase was typed again to unlock."""
        self._material[:] = other._material
        other.wipe()

    def pragma_value(self) -> str:
        """The value for ``PRAGMA key`` / ``ATTACH … KEY``: a raw key with its salt, never the passphrase."""
        if self.wiped:
            raise InputError(_("The database is locked: type its passphrase to unlock it"))
        return f"x'{self._material.hex()}'"


def is_encrypted(path: Path) -> bool:
    """Whether ``path`` looks like a SQLCipher file of ours: whole pages, and a salt whose first byte names a
    known key derivation (SQLite's plain header starts with "S").

    Without the key an encrypted file cannot be told from random bytes; any other file is left to the
    plain open, which names it as not a database.
    """
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_MAGIC))
            size = handle.seek(0, os.SEEK_END)
    except (FileNotFoundError, IsADirectoryError):
        return False
    return size > 0 and size % MIN_PAGE_BYTES == 0 and header[0] in KDF_PARAMETERS


def salt_of(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(SALT_BYTES)


def connect(path: Path, key: Key | None, timeout: float = 5.0, check: bool = True):
    """A ``sqlcipher3`` connection on ``path``, keyed with ``key`` (plain when ``None``).

    With ``check``, a key that does not open the file raises ``WrongPassphrase`` naming it.
    """
    module = dbapi()
    connection = module.connect(str(path), timeout=timeout, check_same_thread=False)
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our message, not a log line
        if key is not None:
            connection.execute(f'PRAGMA key = "{key.pragma_value()}"')
        if check:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except module.DatabaseError:
        connection.close()
        raise WrongPassphrase(_("The passphrase does not open {path}; nothing was changed").format(path=path)) from None
    return connection


def key_to_open(path: Path, passphrase: str | bytes | bytearray | None) -> Key | None:
    """The key that opens the existing file ``path`` (``None`` for a plain one), checked against the file."""
    if not is_encrypted(path):
        if passphrase is not None:
            raise InputError(_("{path} is not encrypted: open it without a passphrase").format(path=path))
        return None
    if passphrase is None:
        raise PassphraseNeeded(
            _("{path} is encrypted: give its passphrase (on the terminal or with --db-passphrase-file)").format(
                path=path
            )
        )
    key = Key.for_file(path, passphrase)
    connect(path, key).close()
    return key


def _table_counts(connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_folder(folder: Path) -> None:
    if os.name == "posix":
        _fsync(folder)


def convert(path: Path, old: Key | None, new: Key | None) -> None:
    """Rewrite ``path`` from key ``old`` to key ``new`` (``None``: plain SQLite) through a verified copy.

    The copy is made with ``sqlcipher_export`` under the write lock, checked (integrity and the row
    count of every table, read back with the new key), flushed and renamed over the original.
    """
    path = Path(path)
    target = path.with_name(path.name + CONVERTING_SUFFIX)
    _remove(target)  # what a crash during an earlier conversion left
    source = connect(path, old)
    try:
        source.isolation_level = None
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        target_key = new.pragma_value() if new is not None else ""
        source.execute(f'ATTACH DATABASE ? AS converted KEY "{target_key}"', (str(target),))
        source.execute("BEGIN IMMEDIATE")
        try:
            source.execute("SELECT sqlcipher_export('converted')")
            version = source.execute("PRAGMA main.user_version").fetchone()[0]
            source.execute(f"PRAGMA converted.user_version = {int(version)}")
            source.execute("COMMIT")
            kill_points.reached("convert:copied")
        except BaseException:
            source.execute("ROLLBACK")
            raise
        finally:
            source.execute("DETACH DATABASE converted")
        expected = _table_counts(source)
        copy = connect(target, new)
        try:
            copy.execute("PRAGMA journal_mode=WAL")
            if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok" or _table_counts(copy) != expected:
                raise InputError(
                    _("The converted copy of {path} did not read back whole; nothing was changed").format(path=path)
                )
        finally:
            copy.close()
        kill_points.reached("convert:checked")
        _fsync(target)
    except BaseException:
        source.close()
        _remove(target)
        raise
    source.close()
    if _companions(path)[0].exists():  # SQLite removes the WAL when the last connection closes
        _remove(target)
        raise BusyError(_("The database is in use by another Platform Desk; close it and try again"))
    try:
        os.replace(target, path)
    except BaseException:
        _remove(target)
        raise
    kill_points.reached("convert:replaced")
    _fsync_folder(path.parent)


def _remove(target: Path) -> None:
    for leftover in (target, *_companions(target)):
        leftover.unlink(missing_ok=True)


def _companions(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def rekey_all(path: Path, backups: list[Path], old: Key | None, new: Key | None) -> list[Path]:
    """Convert the database and then each of its ``backups`` (the database first: its rename is the commit point).

    Returns the backups left as they were because ``old`` does not open them.
    """
    convert(path, old, new)
    kill_points.reached("rekey:database-done")
    left = []
    for backup in backups:
        encrypted = is_encrypted(backup)
        if not encrypted and new is None:
            continue  # already plain
        if encrypted and old is None:
            left.append(backup)  # encrypted under a key we were not given
            continue
        try:
            convert(backup, old if encrypted else None, new)
        except WrongPassphrase:
            left.append(backup)
    logbook.encryption_changed(
        path, "encrypted" if old is None else "decrypted" if new is None else "given a new passphrase", left
    )
    return left
