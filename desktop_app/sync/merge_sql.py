"""The set-based merge: a bundle's change lines staged in a temporary table and decided in SQL.

``stage`` streams the verified lines into the temporary table ``incoming`` with one ``executemany`` (flat memory,
whatever the bundle's size). ``try_set_based`` then decides, in a handful of statements, what is
already held (and what diverges from it), whether every new line passes SPEC §3,
the winner of each field, the conflicts and the new record values, and writes them. It returns
False, having written nothing, when the bundle needs the line-by-line rules of ``merge.Merger``:
a line claiming this installation, one its signer may not relay, one stamped too far ahead, an
unknown or revoked author, a line ``authority.may_change`` would refuse or hold back, two lines for one field
or one origin, a record id under two kinds, or a line moving a record held here to another event or person
(judged against the event it leaves). A clash between merged fields does not fall back: ``Merger.finish``
lists it as a conflict after either merge.

Admission here does not depend on the order of the lines within the bundle: ``owner`` lines are judged
first (against the owner held); then ``sharing``, ``parties`` and ``deleted`` lines, which only the owner's
country (or its event's) or a secretariat may make; then every other line, against the owner, parties and
event that the record has once the bundle's winning lines are applied. (Line by line, a field arriving before
its record's ``owner`` line waits among the held-back changes and is applied by the retry after the bundle;
the tables end the same.)
"""

from __future__ import annotations

import json
from functools import partial

from sqlalchemy import JSON

from desktop_app.domain import hlc
from desktop_app.domain.authority import PROTECTED, SECRETARIAT, owner_tag
from desktop_app.domain.changelog import record_table
from desktop_app.domain.schema import DELETED, OWNER
from desktop_app.storage import server

# Booleans are BOOLEAN with TRUE and FALSE, which both dialects take; ``cand`` numbers its rows by itself.
_SCHEMA = (
    "CREATE TEMP TABLE IF NOT EXISTS incoming (n INTEGER PRIMARY KEY, device_id TEXT, seq INTEGER, hlc TEXT, "
    "kind TEXT, record_id TEXT, field TEXT, value TEXT, context TEXT, salt TEXT, replaces TEXT, stub BOOLEAN, prev TEXT, "
    "digest TEXT, link TEXT, held BOOLEAN DEFAULT FALSE, replaced BOOLEAN, wins BOOLEAN, "
    "h_device TEXT, h_seq INTEGER, h_hlc TEXT, h_value TEXT)",
    "CREATE TEMP TABLE IF NOT EXISTS origins (device_id TEXT PRIMARY KEY, role TEXT, country TEXT, tag TEXT, "
    "revoked_seq INTEGER)",
    "CREATE TEMP TABLE IF NOT EXISTS rec (record_id TEXT PRIMARY KEY, kind TEXT, existed BOOLEAN DEFAULT FALSE, "
    "owner TEXT, bundle_owner TEXT, parties TEXT, event_id TEXT, loaded BOOLEAN DEFAULT FALSE)",
    "CREATE TEMP TABLE IF NOT EXISTS cand (n {autonumber}, kind TEXT, record_id TEXT, field TEXT, "
    "winner_value TEXT, winner_device TEXT, winner_seq INTEGER, winner_hlc TEXT, loser_value TEXT, "
    "loser_device TEXT, loser_seq INTEGER, loser_hlc TEXT)",
)
_TABLES = ("incoming", "origins", "rec", "cand")
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS incoming_origin ON incoming (device_id, seq)",
    "CREATE INDEX IF NOT EXISTS incoming_field ON incoming (record_id, field)",
)
_STAGED = (
    "n", "device_id", "seq", "hlc", "kind", "record_id", "field", "value", "context", "salt", "replaces", "stub",
    "prev", "digest", "link",
)  # fmt: skip
_FRESH = "NOT held"


# ``changelog.canonical`` without building an encoder for every value.
_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def _rows(changes):
    for n, change in enumerate(changes, 1):  # ``n``: the arrival order
        if change.get("stub"):
            yield (
                n,
                change["device_id"],
                change["seq"],
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                True,
                change["prev"],
                change["digest"],
                change["link"],
            )
            continue
        context, replaces = change.get("context"), change.get("replaces")
        yield (
            n,
            change["device_id"],
            change["seq"],
            change["hlc"],
            change["kind"],
            change["record_id"],
            change["field"],
            _canonical(change["value"]),
            _canonical(context) if context is not None else None,
            change.get("salt"),
            _canonical(replaces) if replaces else None,
            False,
            change.get("prev"),
            change.get("digest"),
            change.get("link"),
        )


def stage(cursor, changes, dialect: str = "sqlite") -> int:
    """Empty the temporary tables and stream ``changes`` into ``incoming``; returns how many lines.

    ``cursor`` takes ``?`` marks (``server.driver_cursor``) and ``dialect`` names its database; unqualified
    names find the temporary tables first in SQLite and PostgreSQL alike."""
    for statement in _SCHEMA:
        cursor.execute(statement.format(autonumber=server.autonumber_sql(dialect)))
    for table in _TABLES:
        cursor.execute(f"DELETE FROM {table}")
    server.insert_rows(cursor, "incoming", _STAGED, _rows(changes))
    for statement in _INDEXES:
        cursor.execute(statement)
    if dialect == "postgresql":  # its planner knows nothing of a temporary table it was not told about
        cursor.execute("ANALYZE incoming")
    return cursor.execute("SELECT count(*) FROM incoming").fetchone()[0]


def clear(cursor) -> None:
    """Drop the temporary tables, so that a long-lived connection (the GUI's) keeps no bundle between imports."""
    for table in _TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def staged(cursor, batch: int = 5000):
    """The staged lines as change dicts, in arrival order, a batch at a time (for the line-by-line merge)."""
    last = 0
    while True:
        rows = cursor.execute(
            "SELECT n, device_id, seq, hlc, kind, record_id, field, value, context, salt, replaces "
            "FROM incoming WHERE n > ? ORDER BY n LIMIT ?",
            (last, batch),
        ).fetchall()
        if not rows:
            return
        for _n, device, seq, stamp, kind, record_id, name, value, context, salt, replaces in rows:
            change = {
                "device_id": device,
                "seq": seq,
                "hlc": stamp,
                "kind": kind,
                "record_id": record_id,
                "field": name,
                "value": json.loads(value),
                "salt": salt,
            }
            if replaces is not None:
                change["replaces"] = json.loads(replaces)
            if context is not None:
                change["context"] = json.loads(context)
            yield change
        last = rows[-1][0]


def _one(cursor, sql: str, parameters=()) -> bool:
    return cursor.execute(sql, parameters).fetchone() is not None


def try_set_based(merger, cursor) -> bool:
    """Merge the staged lines in SQL into ``merger``'s counts; False (nothing written) if they need the
    line-by-line merge. What SQLite and PostgreSQL spell differently comes from ``storage.server``."""
    dialect = merger.connection.dialect.name
    scalar = partial(server.json_scalar_sql, dialect)
    is_string = partial(server.json_is_string_sql, dialect)
    cursor.execute(
        "UPDATE incoming SET held = TRUE WHERE EXISTS (SELECT 1 FROM changes c "
        "WHERE c.device_id = incoming.device_id AND c.seq = incoming.seq)"
    )
    if _one(cursor, f"SELECT 1 FROM incoming WHERE {_FRESH} GROUP BY device_id, seq HAVING count(*) > 1 LIMIT 1"):
        return False
    if _one(cursor, "SELECT 1 FROM incoming WHERE held GROUP BY device_id, seq HAVING count(*) > 1 LIMIT 1"):
        return False
    cursor.executemany(
        "INSERT INTO origins VALUES (?, ?, ?, ?, ?)",
        [
            (device, o.role, o.country, owner_tag(o.role, o.country), o.revoked_seq)
            for device, o in merger.origins.items()
        ],
    )
    # Unknown or revoked authors are refused line by line.
    if _one(
        cursor,
        "SELECT 1 FROM incoming i LEFT JOIN origins o USING (device_id) WHERE NOT i.held "
        "AND (o.device_id IS NULL OR (o.revoked_seq IS NOT NULL AND i.seq > o.revoked_seq)) LIMIT 1",
    ):
        return False
    if not merger.owner_lines_hold(
        cursor.execute(f"SELECT device_id, seq, record_id, value FROM incoming WHERE {_FRESH} AND field = ?", (OWNER,))
    ):
        return False
    limit = hlc.encode(hlc.wall_clock_ms() + hlc.MAX_AHEAD_MS + 1, 0)
    if _one(cursor, f"SELECT 1 FROM incoming WHERE {_FRESH} AND hlc >= ? LIMIT 1", (limit,)):
        return False
    if _one(cursor, f"SELECT 1 FROM incoming WHERE {_FRESH} GROUP BY record_id, field HAVING count(*) > 1 LIMIT 1"):
        return False
    if _one(
        cursor, f"SELECT 1 FROM incoming WHERE {_FRESH} GROUP BY record_id HAVING count(DISTINCT kind) > 1 LIMIT 1"
    ):
        return False
    # A reference to a record neither held here nor created by the bundle: that record waits, line by line.
    for field, table in (("event_id", "events"), ("parent_id", "events"), ("person_id", "people")):
        if _one(
            cursor,
            f"SELECT 1 FROM incoming i WHERE NOT i.held AND i.field = ? AND {is_string('i.value')} "
            f"AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = {scalar('i.value')}) "
            f"AND NOT EXISTS (SELECT 1 FROM incoming j WHERE j.record_id = {scalar('i.value')} "
            "AND j.field = ?) LIMIT 1",
            (field, OWNER),
        ):
            return False
    fields = cursor.execute(f"SELECT DISTINCT kind, field FROM incoming WHERE {_FRESH}").fetchall()
    if any(name not in record_table(kind).c for kind, name in fields):
        return False
    _decide_winners(cursor, dialect)
    # The standing of every record the new lines touch (SPEC §3): as held here, with the owner the bundle
    # gives it, and the parties and event its winning lines give it; and the standing of that event.
    cursor.execute(f"INSERT INTO rec (record_id, kind) SELECT DISTINCT record_id, kind FROM incoming WHERE {_FRESH}")
    _load_standing(cursor)
    if _one(
        cursor,
        "SELECT 1 FROM incoming i JOIN rec r USING (record_id) JOIN origins o USING (device_id) "
        f"WHERE NOT i.held AND i.field = ? AND NOT coalesce({is_string('i.value')} AND ("
        f"(r.owner IS NOT NULL AND r.owner = {scalar('i.value')}) OR (r.owner IS NULL AND "
        f"(o.role = ? OR o.tag = {scalar('i.value')}))), FALSE) LIMIT 1",
        (OWNER, SECRETARIAT),
    ):
        return False
    # Moving a record held here to another event or person is judged against the event it leaves, line by line.
    if _one(
        cursor,
        "SELECT 1 FROM incoming i JOIN rec r USING (record_id) WHERE NOT i.held AND r.existed "
        "AND i.field IN ('event_id', 'person_id') LIMIT 1",
    ):
        return False
    for column, field, value in (
        ("bundle_owner", OWNER, scalar("i.value")),
        ("parties", "parties", "i.value"),
        ("event_id", "event_id", scalar("i.value")),
    ):
        cursor.execute(
            f"UPDATE rec SET {column} = {value} FROM incoming i WHERE NOT i.held AND i.field = ? "
            f"AND i.record_id = rec.record_id{'' if field == OWNER else ' AND i.wins'}",
            (field,),
        )
    cursor.execute(
        "INSERT INTO rec (record_id, kind) SELECT DISTINCT event_id, 'event' FROM rec "
        "WHERE event_id IS NOT NULL ON CONFLICT DO NOTHING"
    )
    _load_standing(cursor)
    # ``authority.may_change``, for every other line at once; protected fields ignore the parties.
    protected = ", ".join(f"'{name}'" for name in sorted(PROTECTED))
    if _one(
        cursor,
        "SELECT 1 FROM incoming i JOIN rec r USING (record_id) JOIN origins o USING (device_id) "
        "LEFT JOIN rec e ON e.record_id = r.event_id WHERE NOT i.held AND i.field != ? AND NOT coalesce("
        "(coalesce(r.owner, r.bundle_owner) IS NOT NULL OR r.existed) AND ("
        "o.role = ? OR coalesce(r.owner, r.bundle_owner) IS NULL "
        "OR o.country = coalesce(r.owner, r.bundle_owner) OR o.country = coalesce(e.owner, e.bundle_owner) "
        f"OR (i.field NOT IN ({protected}) AND (o.country IN ({server.json_elements_sql(dialect, 'r.parties')}) "
        f"OR o.country IN ({server.json_elements_sql(dialect, 'e.parties')})))), FALSE) LIMIT 1",
        (OWNER, SECRETARIAT),
    ):
        return False
    _apply(merger, cursor, fields, dialect)
    return True


def _decide_winners(cursor, dialect: str) -> None:
    """SPEC §4.3 for each field a new line sets: whether a change held already replaced the line
    (``replaced``: history, no conflict); the strongest held head the line did not see (``h_…``); and
    whether the line beats it by clock (``wins``). ``merge.FieldHistory`` is the same rule line by line."""
    cursor.execute(
        f"UPDATE incoming SET replaced = EXISTS (SELECT 1 FROM changes d WHERE d.record_id = incoming.record_id "
        f"AND d.field = incoming.field AND {covered('d.replaces', 'incoming.device_id', 'incoming.seq', dialect)}) "
        f"WHERE {_FRESH}"
    )
    cursor.execute(
        "UPDATE incoming SET (h_device, h_seq, h_hlc, h_value) = (SELECT c.device_id, c.seq, c.hlc, c.value "
        "FROM changes c WHERE c.record_id = incoming.record_id AND c.field = incoming.field "
        f"AND NOT {covered('incoming.replaces', 'c.device_id', 'c.seq', dialect)} "
        "AND NOT EXISTS (SELECT 1 FROM changes d WHERE d.record_id = c.record_id AND d.field = c.field "
        f"AND {covered('d.replaces', 'c.device_id', 'c.seq', dialect)}) "
        f"ORDER BY c.hlc DESC, c.device_id DESC LIMIT 1) WHERE {_FRESH}"
    )
    cursor.execute(
        f"UPDATE incoming SET wins = NOT replaced AND (h_device IS NULL OR hlc > h_hlc OR (hlc = h_hlc "
        f"AND device_id > h_device)) WHERE {_FRESH}"
    )


def _load_standing(cursor) -> None:
    """Owner, parties and event, as held here, of the records of ``rec`` not looked up yet."""
    for (kind,) in cursor.execute("SELECT DISTINCT kind FROM rec WHERE NOT loaded").fetchall():
        table = record_table(kind)
        held = ["existed = TRUE", "owner = t.owner"]
        held += [f"{name} = t.{name}" for name in ("parties", "event_id") if name in table.c]
        cursor.execute(
            f"UPDATE rec SET {', '.join(held)} FROM {table.name} t "
            "WHERE rec.kind = ? AND NOT rec.loaded AND t.id = rec.record_id",
            (kind,),
        )
    cursor.execute("UPDATE rec SET loaded = TRUE WHERE NOT loaded")


_CONFLICT_COLUMNS = (
    "kind, record_id, field, winner_value, winner_device, winner_seq, winner_hlc, loser_value, "
    "loser_device, loser_seq, loser_hlc"
)


def covered(vector: str, device: str, seq: str, dialect: str) -> str:
    """SQL: whether the version vector (JSON text) ``vector`` covers change ``seq`` of ``device``."""
    return f"({vector} IS NOT NULL AND coalesce({server.json_member_sql(dialect, vector, device)}, 0) >= {seq})"


def _apply(merger, cursor, fields, dialect: str) -> None:
    counts = merger.counts
    for kind, number in cursor.execute("SELECT kind, count(*) FROM incoming WHERE held GROUP BY kind").fetchall():
        counts.skipped[kind] += number
    # A value the new line beat without having seen it, and a new value that lost to one it had not seen.
    cursor.execute(
        f"INSERT INTO cand ({_CONFLICT_COLUMNS}) SELECT kind, record_id, field, value, device_id, seq, hlc, "
        f"h_value, h_device, h_seq, h_hlc FROM incoming WHERE {_FRESH} AND wins AND h_device IS NOT NULL "
        "AND h_value != value ORDER BY n"
    )
    cursor.execute(
        f"INSERT INTO cand ({_CONFLICT_COLUMNS}) SELECT kind, record_id, field, h_value, h_device, h_seq, h_hlc, "
        f"value, device_id, seq, hlc FROM incoming WHERE {_FRESH} AND NOT wins AND NOT replaced "
        "AND h_value != value ORDER BY n"
    )
    cursor.execute(
        "INSERT INTO changes (device_id, seq, hlc, kind, record_id, field, value, context, salt, replaces) "
        f"SELECT device_id, seq, hlc, kind, record_id, field, value, context, salt, replaces FROM incoming "
        f"WHERE {_FRESH} ORDER BY n"
    )
    counts.applied += cursor.rowcount
    # Edits the winning deletion had not seen: the latest of each field (SPEC §4.4).
    cursor.execute(
        f"INSERT INTO cand ({_CONFLICT_COLUMNS}) SELECT kind, record_id, field, d_value, d_device, d_seq, d_hlc, "
        "value, device_id, seq, hlc FROM (SELECT d.kind, d.record_id, c.field, d.value AS d_value, "
        "d.device_id AS d_device, d.seq AS d_seq, d.hlc AS d_hlc, c.value, c.device_id, c.seq, c.hlc, "
        "row_number() OVER (PARTITION BY d.record_id, c.field ORDER BY c.hlc DESC, c.device_id DESC) AS latest "
        "FROM incoming d JOIN changes c ON c.record_id = d.record_id AND c.field != ? WHERE NOT d.held AND d.wins "
        f"AND d.field = ? AND d.value = 'true' AND NOT {covered('d.context', 'c.device_id', 'c.seq', dialect)}) "
        "AS edits WHERE latest = 1",
        (DELETED, DELETED),
    )
    # New edits of a record whose winning deletion had not seen them.
    if _one(
        cursor,
        "SELECT 1 FROM rec r JOIN changes c ON c.record_id = r.record_id AND c.field = ? AND c.value = 'true' LIMIT 1",
        (DELETED,),
    ):
        cursor.execute(
            f"INSERT INTO cand ({_CONFLICT_COLUMNS}) SELECT i.kind, i.record_id, i.field, d.value, d.device_id, d.seq, "
            "d.hlc, i.value, i.device_id, i.seq, i.hlc FROM incoming i JOIN changes d ON d.rowid = ("
            "SELECT c.rowid FROM changes c WHERE c.record_id = i.record_id AND c.field = ? "
            "AND NOT EXISTS (SELECT 1 FROM changes e WHERE e.record_id = c.record_id AND e.field = c.field "
            f"AND {covered('e.replaces', 'c.device_id', 'c.seq', dialect)}) ORDER BY c.hlc DESC, c.device_id DESC "
            "LIMIT 1) WHERE NOT i.held AND i.field != ? AND d.value = 'true' "
            f"AND NOT {covered('d.context', 'i.device_id', 'i.seq', dialect)} "
            "ORDER BY i.n",
            (DELETED, DELETED),
        )
    # The new values: a new record's row in one statement, fields of records held before one by one.
    for kind in sorted({kind for kind, _ in fields}):
        _write_values(cursor, record_table(kind), kind, dialect)
    for kind, record_id, existed in cursor.execute(
        "SELECT DISTINCT i.kind, i.record_id, r.existed FROM incoming i JOIN rec r USING (record_id) "
        "WHERE NOT i.held AND i.wins"
    ).fetchall():
        (counts.updated if existed else counts.new)[kind].add(record_id)
    for kind in [k for (k,) in cursor.execute("SELECT DISTINCT kind FROM cand").fetchall()]:
        cursor.execute(
            f"INSERT INTO conflicts ({_CONFLICT_COLUMNS}, detected_at, status) "
            f"SELECT {_CONFLICT_COLUMNS}, ?, 'open' FROM cand WHERE kind = ? ORDER BY n ON CONFLICT DO NOTHING",
            (merger._now, kind),
        )
        counts.conflicts[kind] += max(cursor.rowcount, 0)
    for device, seq, stamp in cursor.execute(
        f"SELECT device_id, max(seq), max(hlc) FROM incoming WHERE {_FRESH} GROUP BY device_id"
    ).fetchall():
        merger._highest[device] = max(merger._highest.get(device, 0), seq)
        if not merger.clock.observe(stamp):
            counts.suspicious_clocks.add(device)
    # A line held back before and carried again has now been applied.
    cursor.execute(
        "DELETE FROM held_back WHERE rowid IN (SELECT h.rowid FROM held_back h JOIN incoming i "
        "ON i.device_id = h.device_id AND i.seq = h.seq WHERE NOT i.held)"
    )


def _write_values(cursor, table, kind: str, dialect: str) -> None:
    winning = "FROM incoming i JOIN rec r USING (record_id) WHERE NOT i.held AND i.wins AND i.kind = ?"
    touched = cursor.execute(f"SELECT DISTINCT i.field, r.existed {winning}", (kind,)).fetchall()
    lists = {name for name, _ in touched if isinstance(table.c[name].type, JSON)}
    plain = sorted(name for name, existed in touched if not existed and name not in lists)
    held = sorted(name for name, existed in touched if existed and name not in lists)
    scalar = server.json_scalar_sql(dialect, "i.value")
    pivot = [
        server.typed_sql(dialect, f"max(CASE WHEN i.field = '{name}' THEN {scalar} END)", table.c[name])
        for name in plain
    ]
    pivot = [f"coalesce({value}, FALSE)" if name == DELETED else value for name, value in zip(plain, pivot)]
    columns = ", ".join(["id", *(f'"{name}"' for name in plain)])
    cursor.execute(
        f"INSERT INTO {table.name} ({columns}) "
        f"SELECT i.record_id{''.join(', ' + p for p in pivot)} {winning} AND NOT r.existed "
        "GROUP BY i.record_id",
        (kind,),
    )
    for name in sorted(lists):  # stored as SQLAlchemy writes it, not as canonical JSON
        rows = cursor.execute(f"SELECT i.value, i.record_id {winning} AND i.field = ?", (kind, name)).fetchall()
        cursor.executemany(
            f'UPDATE {table.name} SET "{name}" = ? WHERE id = ?',
            [(_json_column(value), record_id) for value, record_id in rows],
        )
    for name in held:
        cursor.execute(
            f'UPDATE {table.name} SET "{name}" = {server.typed_sql(dialect, scalar, table.c[name])} FROM incoming i '
            "JOIN rec r USING (record_id) WHERE NOT i.held AND i.wins AND r.existed AND i.kind = ? AND i.field = ? "
            f"AND i.record_id = {table.name}.id",
            (kind, name),
        )


def _json_column(value: str):
    decoded = json.loads(value)
    return None if decoded is None else json.dumps(decoded)
