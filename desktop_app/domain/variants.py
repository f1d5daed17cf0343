"""Text in several languages (SPEC §2): the ``FIELD@LANG`` variants of records' text fields.

A variant is a field of its own in the change log; its current value lives in the table ``text_variants``
(one row per variant given, none once cleared). ``apply_variants`` is the one place that writes it, for
local edits and for merged changes alike; ``localized`` is the one rule of which text a language shows.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from desktop_app.domain.schema import is_variant, variant_name
from desktop_app.storage import server
from desktop_app.storage.models import TextVariant

VARIANTS = TextVariant.__table__
_CHUNK = 500


def apply_variants(connection: Connection, updates: dict[str, dict[str, object]]) -> None:
    """Set (a text) or clear (``None``) variants: ``{record_id: {"title@ru": value}}``.

    The equivalent SQL for a merge: ``INSERT INTO text_variants (record_id, field, value) VALUES (?, ?, ?)
    ON CONFLICT (record_id, field) DO UPDATE SET value = excluded.value`` for a text, and
    ``DELETE FROM text_variants WHERE record_id = ? AND field = ?`` for ``None``."""
    setting: list[tuple] = []
    clearing: list[tuple] = []
    for record_id, fields in updates.items():
        for name, value in fields.items():
            (clearing if value is None else setting).append(
                (record_id, name) if value is None else (record_id, name, value)
            )
    if setting:
        connection.exec_driver_sql(
            server.qmark_sql(
                connection,
                "INSERT INTO text_variants (record_id, field, value) VALUES (?, ?, ?) "
                "ON CONFLICT (record_id, field) DO UPDATE SET value = excluded.value",
            ),
            setting,
        )
    if clearing:
        connection.exec_driver_sql(
            server.qmark_sql(connection, "DELETE FROM text_variants WHERE record_id = ? AND field = ?"), clearing
        )


def split(fields: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """A record's fields parted into its own columns and its variants."""
    own: dict[str, object] = {}
    variants: dict[str, object] = {}
    for name, value in fields.items():
        (variants if is_variant(name) else own)[name] = value
    return own, variants


def variants_of(connection: Connection, record_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """The variants given for each of ``record_ids``: ``{record_id: {"title@ru": text}}``."""
    ids = list(record_ids)
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = connection.execute(select(VARIANTS).where(VARIANTS.c.record_id.in_(ids[start : start + _CHUNK])))
        for record_id, name, value in rows:
            found.setdefault(record_id, {})[name] = value
    return found


def localized(record: dict, field: str, language: str):
    """What a screen or document in ``language`` shows of ``field``: ``FIELD@LANG`` if given, else ``FIELD``."""
    return record.get(variant_name(field, language)) or record.get(field)
