"""A shared database on a PostgreSQL server (SPEC §6): the URL, the engine, the password, what differs by dialect.

The password comes from ``PGPASSWORD`` or ``~/.pgpass`` (libpq reads both) or from the caller, who asks the
person (``password_needed`` tells when); it is never part of what the program remembers. SQL that SQLite and
PostgreSQL spell differently lives here, one function per difference, each with both spellings.
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, Text, create_engine, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from desktop_app import paths
from desktop_app.errors import InputError
from desktop_app.i18n import _

CONNECT_TIMEOUT_S = 10
is_url = paths.is_server_url


def parse(target: str) -> URL:
    """The SQLAlchemy URL (driver psycopg 3) of ``postgresql://user@host[:port]/dbname``; InputError if malformed."""
    if target.lower().startswith("postgres://"):  # libpq's short spelling
        target = "postgresql://" + target[len("postgres://") :]
    try:
        url = make_url(target)
    except ArgumentError:
        url = None
    if url is None or not url.database or url.get_backend_name() != "postgresql":
        raise InputError(
            _("“{url}” is not a server database: write postgresql://user@host[:port]/dbname").format(url=target)
        )
    return url.set(drivername="postgresql+psycopg")


def display(target: str) -> str:
    """The URL as shown and remembered: ``postgresql://user@host:port/dbname``, never with a password."""
    url = parse(target)
    shown = URL.create("postgresql", url.username, None, url.host, url.port, url.database, url.query)
    return shown.render_as_string(hide_password=False)


def create_server_engine(target: str, password: str | None = None) -> Engine:
    """An engine on the server database ``target``; ``password`` only when neither PGPASSWORD nor ~/.pgpass has it."""
    try:
        import psycopg  # noqa: F401  (the driver is an optional extra)
    except ImportError:
        raise InputError(
            _(
                "PostgreSQL support is not installed: install Platform Desk with the “postgres” extra "
                '(pip install "platform-desk[postgres]")'
            )
        ) from None
    url = parse(target)
    if password is not None:
        url = url.set(password=password)
    arguments = {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "Platform Desk"}
    return create_engine(url, connect_args=arguments, pool_pre_ping=True)


def connect_error(error: DBAPIError, target: str) -> InputError:
    """A failed connection as one translated line naming the server, with the first line of the server's reason."""
    reason = (str(error.orig or error).strip().splitlines() or [""])[0]
    return InputError(_("Cannot open the server database {url}: {reason}").format(url=display(target), reason=reason))


def password_needed(error: BaseException) -> bool:
    """Whether a connection failed for want of a (right) password, so asking the person may help."""
    message = str(getattr(error, "orig", None) or error).lower()
    return "password" in message and ("no password supplied" in message or "authentication failed" in message)


def local_folder(target: str) -> Path:
    """This computer's folder for a server database's backups and bundle parts (the server has no files of ours)."""
    url = parse(target)
    name = f"{url.host or 'local'}-{url.port or 5432}-{url.database}"
    digest = hashlib.sha256(display(target).encode("utf-8")).hexdigest()[:8]
    return paths.data_dir() / "servers" / f"{_safe(name)}-{digest}"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80]


# ----- what SQLite and PostgreSQL spell differently ------------------------------------------------------------


class pd_sort_key(GenericFunction):  # noqa: N801  (the SQL name: ``func.pd_sort_key`` builds one)
    """A text column's sort key. SQLite calls the program's own function (``reading``), which follows the
    alphabet of the language in use; PostgreSQL sorts by the lower-cased text in the database's collation."""

    type = Text()
    inherit_cache = True


@compiles(pd_sort_key, "postgresql")
def _sort_key_on_a_server(element, compiler, **options) -> str:
    return f"lower({compiler.process(element.clauses, **options)})"


def upsert(table: Table, connection: Connection):
    """An INSERT with ``on_conflict_do_update``/``on_conflict_do_nothing`` in the connection's dialect."""
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def driver_marks(connection: Connection, count: int) -> str:
    """``count`` positional parameter marks as the driver spells them, for ``exec_driver_sql``."""
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * count)


class _QmarkCursor:
    """A psycopg cursor that takes SQL written with ``?`` marks (as SQLite's driver does): the sync merge's
    statements are written once, with no ``?`` or ``%`` other than parameter marks."""

    def __init__(self, cursor):
        self._cursor = cursor

    def execute(self, sql: str, parameters=()):
        self._cursor.execute(_percent_marks(sql), parameters)
        return self

    def executemany(self, sql: str, rows):
        self._cursor.executemany(_percent_marks(sql), rows)
        return self

    def fetchone(self):
        return self._cursor.fetchone()

    def fetchall(self):
        return self._cursor.fetchall()

    def __iter__(self):
        return iter(self._cursor)

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def close(self) -> None:
        self._cursor.close()


def insert_rows(cursor, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Many new rows into ``table`` through ``driver_cursor``'s ``cursor``: ``executemany`` on SQLite, where it
    is the quickest way in; PostgreSQL's ``COPY``, many times quicker there than one statement a row."""
    names = ", ".join(f'"{column}"' for column in columns)  # quoted: ``user`` is a keyword of PostgreSQL
    if isinstance(cursor, _QmarkCursor):
        with cursor._cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)


def qmark_sql(connection: Connection, sql: str) -> str:
    """SQL written with ``?`` marks (and no other ``?`` or ``%``), as the connection's driver takes it."""
    return sql if connection.dialect.paramstyle == "qmark" else _percent_marks(sql)


def _percent_marks(sql: str) -> str:
    return sql.replace("?", "%s")


def driver_cursor(connection: Connection):
    """A DB-API cursor of the connection's own transaction that takes ``?`` parameter marks on either driver."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]  # checked out
    return cursor if connection.dialect.paramstyle == "qmark" else _QmarkCursor(cursor)


# The SQL the sync merge and export spell differently, one function each: ``dialect`` is the connection's
# ``dialect.name``, expressions are SQL text. JSON values are stored as canonical JSON text in both.


def json_string_sql(dialect: str, expression: str) -> str:
    """The JSON string of a text ``expression`` (ids, names, stamps: ASCII, spelled as Python does)."""
    if dialect == "postgresql":
        return f"to_json(CAST({expression} AS text))::text"
    return f"json_quote({expression})"


def json_member_sql(dialect: str, document: str, key: str) -> str:
    """The whole number under the text ``key`` of the JSON object ``document`` (NULL if absent)."""
    if dialect == "postgresql":
        return f"CAST(CAST({document} AS jsonb) ->> {key} AS integer)"
    return f"json_extract({document}, '$.\"' || {key} || '\"')"


def json_scalar_sql(dialect: str, document: str) -> str:
    """The JSON scalar ``document`` as SQL: a string's text; on PostgreSQL every scalar as text (``typed_sql``)."""
    if dialect == "postgresql":
        return f"(CAST({document} AS jsonb) #>> '{{}}')"
    return f"json_extract({document}, '$')"


def json_is_string_sql(dialect: str, document: str) -> str:
    """Whether the JSON ``document`` is a string."""
    if dialect == "postgresql":
        return f"(jsonb_typeof(CAST({document} AS jsonb)) = 'string')"
    return f"(json_type({document}) = 'text')"


def json_elements_sql(dialect: str, document: str) -> str:
    """A query of the text elements of the JSON array ``document``, one row each."""
    if dialect == "postgresql":
        return f"SELECT json_array_elements_text(CAST({document} AS json))"
    return f"SELECT value FROM json_each({document})"


def typed_sql(dialect: str, expression: str, column) -> str:
    """``expression`` (a ``json_scalar_sql``) as ``column``'s type: PostgreSQL assigns no text to a number."""
    if dialect == "postgresql":
        return f"CAST({expression} AS {column.type.compile(dialect=postgresql.dialect())})"
    return expression


def autonumber_sql(dialect: str) -> str:
    """The column type of a temporary table's key that numbers its rows by itself."""
    return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" if dialect == "postgresql" else "INTEGER PRIMARY KEY"


def session_user(connection: Connection) -> str | None:
    """Who is making changes: the server role for PostgreSQL, the operating-system user for a file."""
    if connection.dialect.name == "postgresql":
        return connection.execute(text("SELECT current_user")).scalar()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def read_consistently(connection: Connection) -> None:
    """Make the connection's next transaction read one snapshot across tables (SQLite's transactions already do)."""
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="REPEATABLE READ")


SCHEMA_LOCK = 0x50444D47  # "PDMG": the advisory lock that makes migrations on one server take turns


def lock_schema(connection: Connection) -> None:
    """Hold, until this transaction ends, the lock that lets one program at a time migrate a server database
    (a SQLite file is migrated in a write transaction, which already excludes the others)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})


def has_table(connection: Connection, name: str) -> bool:
    return connection.dialect.has_table(connection, name)


def reset_counters(connection: Connection, table: Table) -> None:
    """After rows were copied in with their ids, let PostgreSQL's serial columns continue above them."""
    if connection.dialect.name != "postgresql":
        return  # SQLite's INTEGER PRIMARY KEY continues from the largest id by itself
    for column in table.primary_key.columns:
        if column.autoincrement is True or (
            column.autoincrement == "auto" and column.type.python_type is int and len(table.primary_key.columns) == 1
        ):
            connection.execute(
                text(
                    f'SELECT setval(pg_get_serial_sequence(:table, :column), coalesce(max("{column.name}"), 0) + 1, '
                    f'false) FROM "{table.name}"'
                ),
                {"table": table.name, "column": column.name},
            )


class PasswordNeeded(InputError):
    """The server asked for a password that PGPASSWORD and ~/.pgpass did not give (or gave wrong)."""


def open_engine(target: str, password: str | None = None) -> Engine:
    """``create_server_engine``, with the connection tried once: PasswordNeeded, or one line naming the server."""
    engine = create_server_engine(target, password)
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        engine.dispose()
        if password_needed(error):
            raise PasswordNeeded(_("The server database {url} needs a password").format(url=display(target))) from None
        raise connect_error(error, target) from None
    return engine
