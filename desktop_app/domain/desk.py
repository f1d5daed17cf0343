"""``Desk``: the one facade through which the GUI, the command line and the importers read and write.

Each public method is one transaction. Writes are validated against SPEC §2 and
recorded field by field in the change log (``changelog``) in the same transaction.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import JSON, Boolean, ColumnElement, Connection, case, func, insert, literal, null, or_, select, update

from desktop_app.domain import author_log, identity, progress
from desktop_app.domain.authority import SECRETARIAT, Standing, may_change
from desktop_app.domain.changelog import ChangeWriter, canonical, record_table, version_vector
from desktop_app.domain.schema import DELEGATION, DELETED, INSTALLATION_ROLES, KINDS, TRANSLATABLE, Kind, is_variant
from desktop_app.domain.validation import check_record, coerce_fields, kind_of
from desktop_app.domain.variants import VARIANTS, split, variants_of
from desktop_app.errors import InputError, NotFoundError, ValidationError
from desktop_app.i18n import _
from desktop_app.storage import database, encryption, server
from desktop_app.storage.models import Head, Installation, Link

FLUSH_EVERY = 20_000  # changes buffered before a bulk write inside one transaction


class Desk:
    """An open database. Use ``Desk.create`` for ``init`` and ``Desk.open`` otherwise."""

    def __init__(self, path: Path, engine, url: str | None = None):
        self.path = path  # a server database's: a name in this computer's folder for its backups
        self.engine = engine
        self.url = url  # the server database's address (no password), None for a file
        self._identity: dict | None = None
        self.notices: list[str] = []  # things the user should be told once, e.g. a copied database

    # ----- opening ---------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path | str,
        device_name: str,
        role: str,
        country: str | None = None,
        passphrase: str | bytes | bytearray | None = None,
        password: str | None = None,
    ) -> "Desk":
        """Create a database with a new installation identity (SPEC §3), encrypted with ``passphrase`` if given.

        ``path`` may be a server URL (``postgresql://…``, SPEC §6): its database must be empty.
        """
        url = str(path) if server.is_url(path) else None
        file = Path(path).absolute()
        if url is None:
            database.check_location(file, must_exist=False)
            if file.exists() and file.stat().st_size > 0:
                raise InputError(_("{path} already exists; choose another file or remove it first").format(path=file))
        device_name = (device_name or "").strip()
        if not device_name:
            raise ValidationError("device_name", _("is required"))
        if role not in INSTALLATION_ROLES:
            raise ValidationError("role", _("must be “delegation” or “secretariat”"))
        if country is not None:
            country = coerce_fields(KINDS["person"], {"country": country})["country"]
        if role == DELEGATION and not country:
            raise ValidationError("country", _("a delegation needs its country (--country)"))
        if url is not None:
            engine, file = server.open_engine(url, password), server.local_folder(url) / "server.db"
            _refuse_unless_empty(engine, url)
        else:
            key = encryption.Key.new(passphrase) if passphrase is not None else None
            engine = database.create_sqlite_engine(file, key)
        with database.translate_busy():
            database.migrate(engine, file)
            private, public = identity.new_key_pair()
            device_id = identity.new_device_id()
            with engine.begin() as connection:
                connection.execute(
                    Installation.__table__.insert().values(
                        device_id=device_id,
                        device_name=device_name,
                        role=role,
                        country=country,
                        private_key=private,
                        public_key=public,
                        created_at=now_iso(),
                        machine_id=identity.machine_id(),
                        clock="0000000000000.0000",
                        next_seq=1,
                    )
                )
        identity.mark_this_computer(device_id)
        return cls(file, engine, url and server.display(url))

    @classmethod
    def open(
        cls,
        path: Path | str,
        passphrase: str | bytes | bytearray | None = None,
        password: str | None = None,
        keep_identity: bool = False,
    ) -> "Desk":
        """Open an existing database, upgrading its schema (after a backup) if it is older.

        An encrypted database needs its ``passphrase``; a wrong one raises ``WrongPassphrase``. ``path`` may be
        a server URL, with ``password`` when neither PGPASSWORD nor ~/.pgpass gives it (``PasswordNeeded``).
        ``keep_identity`` opens a file copied from another computer as the original (to move it, ``copy_to``).
        """
        if server.is_url(path):
            return cls._open_server(str(path), password)
        path = Path(path).absolute()
        if not path.exists():
            database.check_location(path, must_exist=True)
        if not encryption.is_encrypted(path):  # an encrypted file has no header to check before its key
            database.check_database_file(path)
        read_only = not database.writable(path)
        engine = database.create_sqlite_engine(path, encryption.key_to_open(path, passphrase), read_only=read_only)
        with database.translate_busy():
            before = database.migrate(engine, path)
            desk = cls(path, engine)
            if not read_only and not keep_identity:
                desk._detect_copy(adopt=before is not None and before < "0005")
        return desk

    @classmethod
    def _open_server(cls, url: str, password: str | None) -> "Desk":
        """A server database is shared by several computers: no single-instance lock, no copy detection. Each
        computer that opens it is marked as holding its installation, so that its backup files (SQLite files
        of the same installation) open here as that installation, not as a copy."""
        engine = server.open_engine(url, password)
        if not _holds_installation(engine):
            engine.dispose()
            raise InputError(
                _(
                    "The server database {url} holds no Platform Desk installation: create one with "
                    "“init” or “migrate-to”"
                ).format(url=server.display(url))
            )
        path = server.local_folder(url) / "server.db"
        with database.translate_busy():
            database.migrate(engine, path)
        desk = cls(path, engine, server.display(url))
        identity.mark_this_computer(desk.identity["device_id"])
        return desk

    def copy_to(self, url: str, password: str | None = None) -> "Desk":
        """Copy this database into the empty server database ``url`` — identity, change log and all — and open it
        there (``migrate-to``: moving a secretariat, or restoring a server database from its backup file)."""
        engine = server.open_engine(url, password)
        _refuse_unless_empty(engine, url)
        path = server.local_folder(url) / "server.db"
        with database.translate_busy():
            database.migrate(engine, path)
            database.copy_database(self.engine, engine)
        return Desk(path, engine, server.display(url))

    @property
    def location(self) -> str:
        """Where the database is, as shown to the person: the file, or the server URL without password."""
        return self.url or str(self.path)

    def close(self) -> None:
        self.engine.dispose()

    def _detect_copy(self, adopt: bool = False) -> None:
        """A database opened on another computer becomes a new installation with its own identity.

        ``adopt``: a database from before the markers, on the computer it names, gets its marker now."""
        here = identity.machine_id()
        device_id = self.identity["device_id"]
        if identity.made_here(device_id):
            return
        if adopt and self.identity["machine_id"] == here:
            identity.mark_this_computer(device_id)
            return
        private, public = identity.new_key_pair()
        old = self.identity["device_id"]
        new = identity.new_device_id()
        with self.transaction(write=True) as connection:
            last = connection.execute(
                select(Link.seq, Link.hash).where(Link.device_id == old).order_by(Link.seq.desc()).limit(1)
            ).first()
            if last is not None:  # the original's lines held here stay provable by the copy: a last head, signed
                head = author_log.sign_head(self.identity["private_key"], old, last.seq, last.hash)
                connection.execute(insert(Head).values(device_id=old, **head))
            connection.execute(
                update(Installation).values(
                    device_id=new, machine_id=here, copied_from=old, private_key=private, public_key=public, next_seq=1
                )
            )
        self._identity = None
        identity.mark_this_computer(new)
        self.notices.append(
            _(
                "This database was copied from another computer; it now works as a new installation "
                "({new}) so that it is not confused with the original ({old})."
            ).format(new=new, old=old)
        )

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Connection]:
        """One transaction; ``write`` takes the write lock at once (BEGIN IMMEDIATE)."""
        with database.translate_busy():
            engine = self.engine.execution_options(write=True) if write else self.engine
            with engine.begin() as connection:
                yield connection
                progress.checkpoint()  # a cancelled operation rolls back here instead of committing

    @contextmanager
    def writing(self) -> Iterator[ChangeWriter]:
        """One write transaction; every change made through the writer is in the log."""
        with self.transaction(write=True) as connection:
            writer = ChangeWriter(connection)
            yield writer
            writer.flush()

    @property
    def identity(self) -> dict:
        if self._identity is None:
            with self.engine.connect() as connection:
                row = connection.execute(select(Installation)).one()
            self._identity = dict(row._mapping)
        return self._identity

    @property
    def fingerprint(self) -> str:
        return identity.fingerprint(self.identity["public_key"])

    # ----- reading ---------------------------------------------------------------------------

    def get(self, record_id: str) -> dict:
        """The record as a dict with ``kind``, ``id`` and every field; NotFoundError if absent or deleted."""
        with self.engine.connect() as connection:
            found = _find(connection, record_id)
            given = variants_of(connection, [record_id])
        if found is None or found[1].get(DELETED):
            raise NotFoundError(_("No record has the id “{id}”").format(id=record_id))
        return public_record(*found) | given.get(record_id, {})

    def list(self, kind_name: str) -> list[dict]:
        """Every visible record of a kind, in a stable order."""
        kind = kind_of(kind_name)
        with self.engine.connect() as connection:
            rows = connection.execute(visible_query(kind)).mappings().all()
            given = variants_of(connection, [row["id"] for row in rows]) if kind.name in TRANSLATABLE else {}
        return [public_record(kind.name, dict(row)) | given.get(row["id"], {}) for row in rows]

    def dump(self) -> Iterator[str]:
        """Every visible record as one canonical JSON line, sorted by kind and id."""
        with self.engine.connect() as connection:
            if connection.dialect.name != "sqlite":  # SQLite writes the lines itself; a server through Python
                yield from _dump_rows(connection)
                return
            for name in sorted(KINDS):
                kind = KINDS[name]
                for text, redo in connection.execute(_dump_query(kind).execution_options(yield_per=5000)):
                    yield canonical(json.loads(text)) if redo else text

    def vector(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            return version_vector(connection)

    # ----- writing ---------------------------------------------------------------------------

    def put(self, kind_name: str, values: dict) -> str:
        """Create a record (no ``id``) or update the given fields (with ``id``); returns the id."""
        with self.writing() as writer:
            return put_record(writer, kind_name, values)

    def put_many(self, items: Iterable[tuple[str, dict]]) -> builtins.list[str]:  # ``list`` is a method here
        """Create or update many records in one transaction (demo data, importers)."""
        ids = []
        with self.writing() as writer:
            for kind_name, values in items:
                ids.append(put_record(writer, kind_name, values))
                if writer.change_count >= FLUSH_EVERY:
                    writer.flush()
        return ids

    def delete(self, record_id: str) -> None:
        """Delete a record and what depends on it; the deletion is a change that syncs."""
        with self.writing() as writer:
            delete_record(writer, record_id)


# ----- the write rules, usable inside any writer transaction ---------------------------------


def put_record(writer: ChangeWriter, kind_name: str, values: dict) -> str:
    """Validate and write one record through ``writer``; returns its id."""
    if not isinstance(values, dict):
        raise ValidationError(None, _("the record must be a JSON object"))
    kind = kind_of(kind_name)
    values = dict(values)
    stated_kind = values.pop("kind", kind.name)
    if stated_kind != kind.name:
        raise ValidationError(
            "kind", _("“{stated}” does not match the kind “{kind}”").format(stated=stated_kind, kind=kind.name)
        )
    record_id = values.pop("id", None)
    fields, variants = split(coerce_fields(kind, values))
    if record_id is not None:
        current = _current(writer, kind, record_id)
        if current is None:
            raise NotFoundError(_("{kind} “{id}” does not exist").format(kind=_(kind.label), id=record_id))
        merged = {**current, **fields}
        if (
            kind.name == "event"
            and "start_date" in fields
            and "end_date" not in fields
            and current.get("end_date") == current.get("start_date")
        ):
            merged["end_date"] = merged["start_date"]
        changed = {name for name in merged if canonical(merged[name]) != canonical(current.get(name))}
        current_variants = _current_variants(writer, record_id)
        _check_authority(
            writer,
            kind,
            record_id,
            current,
            [name for name in fields if name in changed]
            + [name for name in variants if variants[name] != current_variants.get(name)],
        )
    else:
        record_id = writer.create(kind.name)
        current, current_variants = {}, {}
        merged = {f.name: f.default for f in kind.fields}
        merged.update(fields)
        if kind.name == "event" and not merged.get("end_date"):
            merged["end_date"] = merged.get("start_date")
        changed = None
    check_record(kind, merged, changed)
    _check_references(writer, kind, record_id, merged)
    for field in kind.fields:
        value = merged.get(field.name)
        if canonical(value) != canonical(current.get(field.name)) and (current or value is not None):
            writer.set(kind.name, record_id, field.name, value)
    for name, value in sorted(variants.items()):
        if value != current_variants.get(name):
            writer.set(kind.name, record_id, name, value)
    return record_id


def _current_variants(writer: ChangeWriter, record_id: str) -> dict[str, str]:
    """A record's ``FIELD@LANG`` texts, including what this transaction has written."""
    given = {} if record_id in writer.created else variants_of(writer.connection, [record_id]).get(record_id, {})
    pending = writer.pending.get(record_id)
    if pending is not None:
        given.update({name: value for name, value in pending[1].items() if is_variant(name)})
    return given


def create_attendees(writer: ChangeWriter, event_id: str, people: Iterable[tuple[dict, str]]) -> list[str]:
    """Create new people, each with a participation (attended, in the role given) in an existing event: the
    rules of ``put_record`` for records that cannot clash with anything recorded, the event checked once
    rather than once a row (an attendance list of 50,000). Returns the new people's ids."""
    if _current(writer, KINDS["event"], event_id) is None:
        raise ValidationError(
            "event_id", _("{kind} “{id}” does not exist").format(kind=_(KINDS["event"].label), id=event_id)
        )
    ids = []
    for person, role in people:
        person_id = _create_checked(writer, KINDS["person"], person)
        _create_checked(
            writer,
            KINDS["participation"],
            {"event_id": event_id, "person_id": person_id, "role": role, "attended": True},
        )
        ids.append(person_id)
        if writer.change_count >= FLUSH_EVERY:
            writer.flush()
    return ids


def _create_checked(writer: ChangeWriter, kind: Kind, values: dict) -> str:
    """A new record whose references are known to hold, validated and written field by field."""
    fields, variants = split(coerce_fields(kind, values))
    record = {f.name: f.default for f in kind.fields} | fields
    check_record(kind, record)
    return writer.create(
        kind.name,
        {name: value for name, value in [*record.items(), *sorted(variants.items())] if value is not None},
    )


def delete_record(writer: ChangeWriter, record_id: str) -> None:
    """Mark a record deleted, with its dependants: participations, actions, attachments."""
    found = _find(writer.connection, record_id)
    if found is None or found[1].get(DELETED):
        raise NotFoundError(_("No record has the id “{id}”").format(id=record_id))
    kind_name, _row = found
    kind = KINDS[kind_name]
    _check_authority(writer, kind, record_id, _current(writer, kind, record_id), [DELETED])
    context = version_vector(writer.connection)
    writer.set(kind_name, record_id, DELETED, True, context=context)
    connection = writer.connection

    def may(child_kind: str, child_id: str, field: str) -> bool:
        child = KINDS[child_kind]
        return may_change(writer.author, field, standing(writer, child, child_id, _current(writer, child, child_id)))

    # Dependants go with it where this installation may delete them; those it may not are hidden anyway
    # (their event or person is deleted).
    if kind_name in ("event", "person"):
        column = "event_id" if kind_name == "event" else "person_id"
        for child_kind in ("participation", "action", "attachment"):
            table = record_table(child_kind)
            if column not in table.c:
                continue
            for (child_id,) in connection.execute(
                select(table.c.id).where(table.c[column] == record_id, table.c.deleted.is_(False))
            ):
                if may(child_kind, child_id, DELETED):
                    writer.set(child_kind, child_id, DELETED, True, context=context)
    if kind_name == "event":
        events = record_table("event")
        for (child_id,) in connection.execute(
            select(events.c.id).where(events.c.parent_id == record_id, events.c.deleted.is_(False))
        ):
            if may("event", child_id, "parent_id"):
                writer.set("event", child_id, "parent_id", None)


def standing(writer: ChangeWriter, kind: Kind, record_id: str, current: dict | None) -> Standing:
    """The owner and parties that decide who may change a record (and its event's, for dependants)."""
    current = current or {}

    def owner_of(table_kind: str, key: str) -> str | None:
        if key in writer.created:
            return writer.author.tag
        table = record_table(table_kind)
        return writer.connection.execute(select(table.c.owner).where(table.c.id == key)).scalar()

    event_owner, event_parties = None, ()
    if kind.parent_ref and current.get(kind.parent_ref):
        event = _current(writer, KINDS["event"], current[kind.parent_ref]) or {}
        event_owner, event_parties = owner_of("event", current[kind.parent_ref]), tuple(event.get("parties") or ())
    return Standing(owner_of(kind.name, record_id), tuple(current.get("parties") or ()), event_owner, event_parties)


def _check_authority(writer: ChangeWriter, kind: Kind, record_id: str, current: dict | None, fields: list[str]) -> None:
    """Refuse a local change this installation may not make (SPEC §3), naming the field and the owner."""
    record_standing = standing(writer, kind, record_id, current)
    for name in fields:
        if not may_change(writer.author, name, record_standing):
            owner = record_standing.owner
            raise ValidationError(
                name,
                _("this record belongs to {owner}; this installation may not change it").format(
                    owner=_("the secretariat") if owner == SECRETARIAT else owner
                ),
            )


def _check_references(writer: ChangeWriter, kind: Kind, record_id: str, record: dict) -> None:
    for field in kind.fields:
        target = record.get(field.name)
        if field.type != "ref" or target is None:
            continue
        if _current(writer, field.target(), target) is None:
            raise ValidationError(
                field.name, _("{kind} “{id}” does not exist").format(kind=_(field.target().label), id=target)
            )
    if kind.name == "event" and record.get("parent_id"):
        seen = {record_id}
        parent = record["parent_id"]
        while parent:
            if parent in seen:
                raise ValidationError("parent_id", _("an event cannot be held within itself"))
            seen.add(parent)
            parent = (_current(writer, KINDS["event"], parent) or {}).get("parent_id")
    if kind.name == "participation":
        table = record_table("participation")
        clash = (
            record["event_id"] not in writer.created
            and writer.connection.execute(
                select(table.c.id).where(
                    table.c.event_id == record["event_id"],
                    table.c.person_id == record["person_id"],
                    table.c.deleted.is_(False),
                    table.c.id != record_id,
                )
            ).first()
        )
        pair = (record["event_id"], record["person_id"])
        if clash or writer.participations.get(pair, record_id) != record_id:
            raise ValidationError("person_id", _("this person is already recorded at this event"))
        writer.participations[pair] = record_id


def _current(writer: ChangeWriter, kind: Kind, record_id: str) -> dict | None:
    """A record's current fields, including what this transaction has written; None if absent or deleted."""
    pending = writer.pending.get(record_id)
    table = record_table(kind.name)
    if record_id in writer.created:
        row = None  # created in this transaction: everything is in ``pending``
    else:
        row = writer.connection.execute(select(table).where(table.c.id == record_id)).mappings().first()
    if row is None and (pending is None or pending[0] != kind.name):
        return None
    fields = {f.name: None for f in kind.fields} | (dict(row) if row is not None else {})
    if pending is not None:
        fields.update(pending[1])
    if fields.get(DELETED):
        return None
    return {f.name: fields.get(f.name) for f in kind.fields}


def _find(connection: Connection, record_id: str) -> tuple[str, dict] | None:
    for name in KINDS:
        table = record_table(name)
        row = connection.execute(select(table).where(table.c.id == record_id)).mappings().first()
        if row is not None:
            return name, dict(row)
    return None


def visible_query(kind: Kind):
    """Records not deleted, whose event and person (for dependants) are not deleted either."""
    table = record_table(kind.name)
    query = select(table).where(table.c.deleted.is_(False))
    for column, target in (("event_id", "event"), ("person_id", "person")):
        if column in table.c:
            parent = record_table(target).alias(f"{target}_of")  # correlated: one index look-up per row
            query = query.where(
                select(parent.c.id).where(parent.c.id == table.c[column], parent.c.deleted.is_(False)).exists()
            )
    if kind.name == "participation":
        # Two installations may add the same person to the same event: the smallest id stands for both.
        twin = table.alias("twin")
        query = query.where(
            ~select(twin.c.id)
            .where(
                twin.c.event_id == table.c.event_id,
                twin.c.person_id == table.c.person_id,
                twin.c.deleted.is_(False),
                twin.c.id < table.c.id,
            )
            .exists()
        )
    order = [table.c.start_date, table.c.title] if kind.name == "event" else []
    return query.order_by(*order, table.c.id)


def _dump_query(kind: Kind):
    """``visible_query`` ordered by id, selecting each record's line (``_dump_line``). Participations find their
    twins (``visible_query``) with one window over all of them rather than one look-up per row."""
    if kind.name != "participation":
        table = record_table(kind.name)
        return visible_query(kind).order_by(None).order_by(table.c.id).with_only_columns(*_dump_line(kind, table.c))
    table, events, people = record_table("participation"), record_table("event"), record_table("person")
    ranked = (
        select(
            table,
            func.row_number()
            .over(partition_by=(table.c.event_id, table.c.person_id), order_by=table.c.id)
            .label("twin_rank"),
        )
        .where(table.c.deleted.is_(False))
        .subquery("visible")
    )
    return (
        select(*_dump_line(kind, ranked.c))
        .where(
            ranked.c.twin_rank == 1,
            ranked.c.event_id.in_(select(events.c.id).where(events.c.deleted.is_(False))),
            ranked.c.person_id.in_(select(people.c.id).where(people.c.deleted.is_(False))),
        )
        .order_by(ranked.c.id)
    )


def _dump_line(kind: Kind, columns):
    """SQL for a record's canonical JSON line (``canonical(public_record(...))``, keys sorted), and a flag for the rare
    row SQLite cannot spell so: a list column stored with ``\\u`` escapes, which canonical JSON writes as is."""
    values = {"id": columns.id, "kind": literal(kind.name)}
    escaped = []
    for field in kind.fields:
        column = columns[field.name] if field.name in columns else None
        if column is None:
            values[field.name] = null()
        elif isinstance(column.type, JSON):
            values[field.name] = func.json(column)
            escaped.append(func.instr(column, "\\u") > 0)
        elif isinstance(column.type, Boolean):
            values[field.name] = func.json(case((column.is_(None), "null"), (column, "true"), else_="false"))
        else:
            values[field.name] = column
    pairs = [part for key in sorted(values) for part in (literal(key), values[key])]
    line: ColumnElement = func.json_object(*pairs)
    if kind.name in TRANSLATABLE:  # variants join the line, which Python then sorts (``canonical``)
        given = (
            select(func.json_group_object(VARIANTS.c.field, VARIANTS.c.value))
            .where(VARIANTS.c.record_id == columns.id)
            .scalar_subquery()
        )
        has_variants = select(VARIANTS.c.record_id).where(VARIANTS.c.record_id == columns.id).exists()
        line = case((has_variants, func.json_patch(line, given)), else_=line)
        escaped.append(has_variants)
    return line, (or_(*escaped) if escaped else literal(False))


def _dump_rows(connection: Connection) -> Iterator[str]:
    """``dump`` on a server database: the visible records by kind and id, made canonical here. Ids sort
    byte by byte (collation "C") as in SQLite, whatever the server database's own collation."""
    for name in sorted(KINDS):
        kind = KINDS[name]
        query = visible_query(kind).order_by(None).order_by(record_table(name).c.id.collate("C"))
        for rows in connection.execute(query.execution_options(yield_per=5000)).mappings().partitions():
            given = variants_of(connection, [row["id"] for row in rows]) if name in TRANSLATABLE else {}
            for row in rows:
                yield canonical(public_record(name, dict(row)) | given.get(row["id"], {}))


def _holds_installation(engine) -> bool:
    with engine.connect() as connection:
        return server.has_table(connection, "installation") and bool(
            connection.execute(select(func.count()).select_from(Installation)).scalar()
        )


def _refuse_unless_empty(engine, url: str) -> None:
    """``init`` and ``migrate-to`` write only into a server database that holds no installation yet."""
    if _holds_installation(engine):
        engine.dispose()
        raise InputError(
            _("The server database {url} already holds a Platform Desk installation; choose an empty database").format(
                url=server.display(url)
            )
        )


def public_record(kind_name: str, row: dict) -> dict:
    """A stored row as ``get`` gives it: ``kind``, ``id`` and the kind's fields (no bookkeeping columns)."""
    kind = KINDS[kind_name]
    record = {"id": row["id"], "kind": kind_name}
    for field in kind.fields:
        record[field.name] = row.get(field.name)
    return record


def now_iso() -> str:
    """The current time in UTC, to the second, as ISO 8601 text."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
