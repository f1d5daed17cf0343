"""Opening the SQLite file: WAL, foreign keys, one writer at a time, and schema migrations.

A write transaction starts with ``BEGIN IMMEDIATE`` so that a second program
waits up to ``BUSY_TIMEOUT_S`` for the first, then fails with a clear message
instead of corrupting anything or deadlocking half-way.
"""

from __future__ import annotations

import os
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, event, select
from sqlalchemy.exc import OperationalError

from desktop_app import logbook
from desktop_app.errors import BUSY_CODES, BusyError, DiskFullError, InputError, sqlite_code
from desktop_app.i18n import _
from desktop_app.storage import encryption, server

BUSY_TIMEOUT_S = 5.0
# The key each engine's connections are made with (``key_of``); an engine that is dropped drops its entry.
_KEYS: weakref.WeakKeyDictionary[Engine, encryption.Key | None] = weakref.WeakKeyDictionary()
MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration; a test checks it against Alembic. Knowing it here lets an up-to-date
# database open without importing Alembic at all, which keeps start-up quick.
SCHEMA_HEAD = "0010"


def _alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest revision according to Alembic's scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "the migrations folder holds no revision"
    return head


def create_sqlite_engine(path: Path, key: encryption.Key | None = None, read_only: bool = False) -> Engine:
    """An engine on ``path`` with WAL, foreign keys and immediate write transactions.

    With ``key`` the connections are made by SQLCipher (``sqlcipher3``) and keyed before any other
    statement; the engine keeps the ``Key`` object (``key_of``) for backups and further engines.
    ``read_only`` opens a plain file on a read-only medium (a write-protected USB stick, a CD): reading
    works, and a write fails with SQLite's "readonly database", which the command line explains.
    """
    if key is not None:
        engine = create_engine(f"sqlite:///{path}", module=encryption.dbapi())

        @event.listens_for(engine, "do_connect")
        def _keyed_connect(_dialect, _record, _args, _kwargs):
            return encryption.connect(path, key, timeout=BUSY_TIMEOUT_S, check=False)
    elif read_only:
        uri = Path(path).absolute().as_uri() + "?mode=ro&immutable=1"
        engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))
    else:
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_S})

    _KEYS[engine] = key

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi_connection.cursor()
        if not read_only:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        write = connection.get_execution_options().get("write") and not read_only
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def another_engine(engine: Engine, path: Path) -> Engine:
    """A second engine on the same database, with connections of its own (a reader beside the writer)."""
    if engine.dialect.name == "sqlite":
        return create_sqlite_engine(path, key_of(engine))
    return server.create_server_engine(engine.url.render_as_string(hide_password=False))


def key_of(engine: Engine) -> encryption.Key | None:
    """The key an engine's connections are made with; ``None`` for a plain database."""
    return _KEYS.get(engine)


@contextmanager
def larger_page_cache(connection: Connection, mib: int) -> Iterator[None]:
    """SQLite's page cache of ``connection`` raised to ``mib`` MiB for one large write, then put back: with the
    default 2 MiB a write of hundreds of MiB spills pages to the WAL and reads them back again and again (an
    attendance list of 50,000 people, 400 MiB in the file, wrote 3 GB to it and read 2 GB back). Dirty pages
    stay until the transaction ends, so putting it back before the commit loses nothing. Nothing on a server,
    which keeps its own cache."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = int(connection.exec_driver_sql("PRAGMA cache_size").scalar() or 0)
    connection.exec_driver_sql(f"PRAGMA cache_size = {-1024 * int(mib)}")
    try:
        yield
    finally:
        if not connection.invalidated:  # a connection lost to an error takes its cache with it
            connection.exec_driver_sql(f"PRAGMA cache_size = {before}")


def check_location(path: Path, must_exist: bool) -> None:
    """Refuse a path whose folder is missing or read-only, with a message naming it."""
    folder = path.parent
    if must_exist and not path.exists():
        raise InputError(_("No database at {path}: create one with “init”").format(path=path))
    if not folder.is_dir():
        raise InputError(_("The folder {folder} does not exist").format(folder=folder))
    if not writable(path):
        raise InputError(_("Cannot write to {path}: the folder or file is read-only").format(path=path))


def writable(path: Path) -> bool:
    """Whether the database and its folder (for its journal) can be written, read-only media included."""
    try:
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return False
    except (OSError, AttributeError):
        pass
    return os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


SQLITE_HEADER = b"SQLite format 3\x00"


def check_database_file(path: Path) -> None:
    """Refuse, before SQLite or Alembic writes anything, a file that is not a Platform Desk database."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except IsADirectoryError:
        header = b""
    except OSError as error:
        raise InputError(_("Cannot read {path}: {reason}").format(path=path, reason=error.strerror)) from None
    if header != SQLITE_HEADER:
        raise InputError(
            _("{path} is not a Platform Desk database (it is empty or another kind of file)").format(path=path)
        )
    try:
        source = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            source.close()
    except sqlite3.Error:
        tables = None
    if tables is not None and not {"alembic_version", "installation"} <= tables:
        raise InputError(
            _("{path} is not a Platform Desk database (it is empty or another kind of file)").format(path=path)
        )


def backup(engine: Engine, path: Path, reason: str, keep: int = 10) -> Path:
    """Copy the live database into ``backups/`` beside ``path``; keep the last ``keep``.

    A SQLite file is copied with SQLite's backup API. A server database is copied row by row, in one
    consistent read, into a SQLite file at the same schema revision: a Platform Desk database that the
    program opens as it is and restores with ``migrate-to``.
    """
    folder = path.parent / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}-{stamp}-{reason}.db"
    if engine.dialect.name != "sqlite":
        _server_backup(engine, target)
    else:
        _file_backup(engine, target)
    old = sorted(folder.glob(f"{path.stem}-*.db"))
    for stale in old[:-keep]:
        stale.unlink(missing_ok=True)
    logbook.backup(path, target, reason)
    return target


def _server_backup(engine: Engine, target: Path) -> None:
    copy = create_sqlite_engine(target)
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
        _upgrade(copy, revision or "head")
        copy_database(engine, copy)
    except BaseException:
        copy.dispose()
        target.unlink(missing_ok=True)
        raise
    copy.dispose()


def _file_backup(engine: Engine, target: Path) -> None:
    key = key_of(engine)
    raw = engine.raw_connection()
    try:
        # An encrypted database is backed up page by page under the same key: no plain copy is ever written.
        destination = sqlite3.connect(target) if key is None else encryption.connect(target, key, check=False)
        try:
            with destination:
                raw.driver_connection.backup(destination)  # type: ignore[union-attr]  # open: just checked out
        finally:
            destination.close()
    except BaseException as error:  # a full disk: leave no half-written backup behind
        target.unlink(missing_ok=True)
        if sqlite_code(error) == sqlite3.SQLITE_FULL:
            raise DiskFullError(_("The disk is full: nothing was changed")) from None
        raise
    finally:
        raw.close()


def list_backups(path: Path) -> list[Path]:
    """The backups of the database at ``path``, newest first."""
    return sorted((path.parent / "backups").glob(f"{path.stem}-*.db"), reverse=True)


def migrate(engine: Engine, path: Path) -> str | None:
    """Bring the schema to the newest revision, after a backup if the file already held data; returns the
    revision the file had (None for a new file)."""
    with engine.connect() as connection:
        current = current_revision(connection)
    if current == SCHEMA_HEAD:
        return current
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    head = head_revision()
    script = ScriptDirectory.from_config(_alembic_config())
    safety = None
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError:
            raise InputError(
                _(
                    "This database was written by a newer Platform Desk (schema {found}); "
                    "this version understands schema {known} and older. Install the newer version."
                ).format(found=current, known=head)
            ) from None
        safety = backup(engine, path, f"before-{head}")
    _upgrade(engine, "head")
    logbook.migration(path, current, head, safety)
    return current


def _upgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    config = _alembic_config()
    with engine.begin() as connection:
        server.lock_schema(connection)  # two programs opening one older server database: one migrates
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(connection: Connection) -> str | None:
    """The schema revision of a database, SQLite or PostgreSQL; ``None`` for an empty one."""
    if not server.has_table(connection, "alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def copy_database(source: Engine, target: Engine, batch: int = 5000) -> None:
    """Copy every row of ``source`` into ``target`` in one transaction, replacing what ``target`` held.

    Both must be at the same schema revision (the migrations made both, so one schema definition serves
    either dialect); rows keep their ids, the change log its numbering, the installation its identity.
    """
    with source.connect() as reading, target.begin() as writing:
        server.read_consistently(reading)
        found, expected = current_revision(reading), current_revision(writing)
        if found != expected:
            raise InputError(
                _("The two databases have different schemas ({found} and {expected}); nothing was copied").format(
                    found=found, expected=expected
                )
            )
        tables = MetaData()
        tables.reflect(writing)
        for table in tables.sorted_tables:
            if table.name == "alembic_version":
                continue
            source_table = Table(table.name, MetaData(), autoload_with=reading)
            writing.execute(table.delete())
            rows = reading.execute(select(source_table).execution_options(yield_per=batch)).mappings()
            for chunk in rows.partitions(batch):
                writing.execute(table.insert(), [dict(row) for row in chunk])
            server.reset_counters(writing, table)


@contextmanager
def translate_busy():
    """Turn SQLite's "database is locked" and "disk is full" into messages a user understands."""
    try:
        yield
    except OperationalError as error:
        code = sqlite_code(error)
        if code in BUSY_CODES:
            raise BusyError(
                _("The database is in use by another Platform Desk; try again when it has finished")
            ) from None
        if code == sqlite3.SQLITE_FULL:
            raise DiskFullError(_("The disk is full: nothing was changed")) from None
        raise
