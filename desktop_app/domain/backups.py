"""Restoring the database from one of the backups kept beside it (``storage.database.backup``)."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import select, update

from desktop_app import logbook
from desktop_app.domain.desk import Desk
from desktop_app.errors import InputError
from desktop_app.i18n import _
from desktop_app.storage import database, encryption
from desktop_app.storage.models import Installation


def restore_backup(desk: Desk, backup_file: Path) -> Path:
    """Replace the database's content with ``backup_file``'s, after backing up the current state.

    The installation's clock and sequence never go back, so changes made after the
    restore cannot reuse numbers already sent to others. Returns the safety backup.
    """
    backup_file = Path(backup_file)
    safety = _restore_on_server(desk, backup_file) if desk.url is not None else _restore_file(desk, backup_file)
    logbook.restore(desk.location, backup_file, safety)
    return safety


def _restore_file(desk: Desk, backup_file: Path) -> Path:
    """A database file's backup is copied over it through SQLite's backup API, then brought to this schema."""
    key = database.key_of(desk.engine)
    unreadable = (sqlite3.Error,) if key is None else (encryption.WrongPassphrase, encryption.dbapi().Error)
    try:
        if key is None:
            source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        else:  # the backups of an encrypted database are encrypted with its key
            source = encryption.connect(backup_file, key)
        source.execute("SELECT count(*) FROM installation").fetchone()
    except unreadable:
        raise InputError(_("{path} is not a Platform Desk backup").format(path=backup_file)) from None
    with desk.engine.connect() as connection:
        clock, next_seq = connection.execute(select(Installation.clock, Installation.next_seq)).one()
    safety = database.backup(desk.engine, desk.path, "before-restore")
    desk.engine.dispose()
    raw = desk.engine.raw_connection()
    try:
        with source:
            source.backup(raw.driver_connection)
    finally:
        source.close()
        raw.close()
    desk.engine.dispose()
    database.migrate(desk.engine, desk.path)
    _never_back(desk, clock, next_seq)
    return safety


def _never_back(desk: Desk, clock: str, next_seq: int) -> None:
    """After a restore, the clock and the sequence go on from the later of before and restored."""
    with desk.engine.execution_options(write=True).begin() as connection:
        restored_clock, restored_seq = connection.execute(select(Installation.clock, Installation.next_seq)).one()
        connection.execute(
            update(Installation).values(clock=max(clock, restored_clock), next_seq=max(next_seq, restored_seq))
        )
    desk._identity = None


def _restore_on_server(desk: Desk, backup_file: Path) -> Path:
    """A server database's backup is a SQLite file (``database.backup``): its rows replace the server's, in one
    transaction, once a copy of it is brought to the current schema."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "restoring.db"
        try:
            shutil.copyfile(backup_file, copy)
            database.check_database_file(copy)
        except OSError as error:
            raise InputError(
                _("Cannot read {path}: {reason}").format(path=backup_file, reason=error.strerror)
            ) from None
        except InputError:
            raise InputError(_("{path} is not a Platform Desk backup").format(path=backup_file)) from None
        source = database.create_sqlite_engine(copy)
        try:
            database.migrate(source, copy)
            with desk.engine.connect() as connection:
                clock, next_seq = connection.execute(select(Installation.clock, Installation.next_seq)).one()
            safety = database.backup(desk.engine, desk.path, "before-restore")
            database.copy_database(source, desk.engine)
        finally:
            source.dispose()
    _never_back(desk, clock, next_seq)
    return safety
