"""Errors a user can act on, shared by every layer (storage, domain, sync and the clients).

Their messages are already translated when raised. ``sqlite_code`` tells SQLite's failures apart by
their result code, never by the wording of their message.
"""

import re
import sqlite3

# Line breaks, terminal controls and direction overrides: a name from a file must not pass for a message.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def one_line(text) -> str:
    """Text from outside (a device or file name, an error) as one line: control characters escaped (``\\n``)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def has_control(text: str) -> bool:
    """Whether ``text`` holds a line break, a terminal control or a direction override."""
    return _CONTROL.search(text) is not None


def sqlite_code(error: BaseException) -> int | None:
    """SQLite's primary result code (``sqlite3.SQLITE_FULL``, ``SQLITE_BUSY``…) of an error from ``sqlite3`` or
    ``sqlcipher3``, bare or wrapped by SQLAlchemy; ``None`` for any other error."""
    error = getattr(error, "orig", None) or error
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF  # an extended code (SQLITE_IOERR_WRITE…) keeps its primary one


BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


class DeskError(Exception):
    """A failure explained in one line; the command line exits with ``exit_code``."""

    exit_code = 1


class InputError(DeskError):
    """Bad input or a refused file: nothing was changed (exit status 2)."""

    exit_code = 2


class ValidationError(InputError):
    """A record breaks a rule of SPEC §2; ``field`` names the field at fault."""

    def __init__(self, field: str | None, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class NotFoundError(InputError):
    """No record has the given id."""


class BusyError(DeskError):
    """Another program holds the database for writing."""


class DiskFullError(InputError):
    """The disk is full: nothing was written (exit status 2, like any input the program cannot take)."""
