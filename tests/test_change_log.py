"""No write path changes a record without the change log: replaying the log rebuilds every table exactly."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from desktop_app.domain.schema import KINDS
from desktop_app.errors import InputError
from desktop_app.storage.models import RECORD_MODELS, Change


def replay(desk) -> dict:
    """Each field's latest value by (clock, device), from the change log alone."""
    winners: dict[tuple[str, str], tuple] = {}
    with desk.engine.connect() as connection:
        for change in connection.execute(select(Change)):
            key = (change.record_id, change.field)
            stamp = (change.hlc, change.device_id)
            if key not in winners or stamp > winners[key][0]:
                winners[key] = (stamp, change.kind, json.loads(change.value))
    records: dict = {}
    for (record_id, field), (_stamp, kind, value) in winners.items():
        records.setdefault((kind, record_id), {})[field] = value
    return records


def tables(desk) -> dict:
    result = {}
    with desk.engine.connect() as connection:
        for kind, model in RECORD_MODELS.items():
            for row in connection.execute(select(model.__table__)).mappings():
                fields = {k: v for k, v in row.items() if k != "id" and not (k == "deleted" and v is False)}
                result[(kind, row["id"])] = {k: v for k, v in fields.items() if v is not None}
    return result


def assert_log_explains_tables(desk):
    replayed = {
        key: {k: v for k, v in fields.items() if v is not None and not (k == "deleted" and v is False)}
        for key, fields in replay(desk).items()
    }
    assert tables(desk) == replayed


operations = st.lists(
    st.tuples(
        st.sampled_from(["event", "person", "participation", "action", "edit", "delete"]),
        st.integers(0, 50),
        st.text(alphabet="абвгҚқӘәOʻxyz ", min_size=0, max_size=8),
        st.sampled_from(["2024-01-05", "2024-10-30", "2025-02-01"]),
    ),
    min_size=1,
    max_size=25,
)


@given(operations)
def test_every_write_is_explained_by_the_log(tmp_path_factory, ops):
    from desktop_app.domain.desk import Desk

    desk = Desk.create(tmp_path_factory.mktemp("log") / "x.db", "kz", "delegation", "KZ")
    ids: dict[str, list[str]] = {kind: [] for kind in KINDS}
    try:
        for op, pick, text, day in ops:
            try:
                if op == "event":
                    ids["event"].append(desk.put("event", {"type": "webinar", "title": text or "t", "start_date": day}))
                elif op == "person":
                    ids["person"].append(desk.put("person", {"full_name": text or "p"}))
                elif op == "participation" and ids["event"] and ids["person"]:
                    ids["participation"].append(
                        desk.put(
                            "participation",
                            {
                                "event_id": ids["event"][pick % len(ids["event"])],
                                "person_id": ids["person"][pick % len(ids["person"])],
                            },
                        )
                    )
                elif op == "action" and ids["event"]:
                    ids["action"].append(
                        desk.put(
                            "action",
                            {
                                "event_id": ids["event"][pick % len(ids["event"])],
                                "description": text or "a",
                                "due_date": day,
                            },
                        )
                    )
                elif op == "edit" and ids["event"]:
                    desk.put("event", {"id": ids["event"][pick % len(ids["event"])], "city": text, "end_date": day})
                elif op == "delete":
                    pool = [i for kind in ids.values() for i in kind]
                    if pool:
                        desk.delete(pool[pick % len(pool)])
            except InputError:
                pass  # refused input (e.g. end before start, already deleted) must leave no trace either
            assert_log_explains_tables(desk)
    finally:
        desk.close()


def test_command_line_writes_are_in_the_log(cli):
    from desktop_app.domain.desk import Desk

    event = cli.put("event", type="conference", title="Annual Conference", start_date="2024-10-30")
    person = cli.put("person", full_name="Айгерим Сапарова")
    cli.put("participation", event_id=event, person_id=person, role="speaker")
    cli("put", "event", "--json", json.dumps({"id": event, "outcomes": "Work plan agreed"}), check=True)
    cli("delete", person, check=True)
    desk = Desk.open(cli.db)
    try:
        assert_log_explains_tables(desk)
        assert len(tables(desk)) == 3
    finally:
        desk.close()


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)


_LINE = st.fixed_dictionaries(
    {
        "device_id": _TEXT,
        "seq": st.integers(1, 2**40),
        "hlc": _TEXT,
        "kind": _TEXT,
        "record_id": _TEXT,
        "field": _TEXT,
        "value": _JSON,
        "salt": _TEXT,
    },
    optional={
        "context": _JSON.filter(lambda v: v is not None),
        "replaces": st.dictionaries(_TEXT, st.integers(1, 2**40)),
    },
)


@given(_LINE, _TEXT, st.integers(1, 2**40), _TEXT, _TEXT)
def test_the_writers_quick_hashes_are_the_canonical_ones(line, device_id, seq, prev, line_digest):
    """The change writer hashes a line from its fields' canonical texts, and spells a link directly: both must
    give exactly the hashes of the canonical JSON that a reader of FORMAT.md computes."""
    import hashlib

    from desktop_app.domain import author_log
    from desktop_app.domain.changelog import canonical

    encoded = {name: canonical(line[name]) if name in line else None for name in ("value", "context", "replaces")}
    quick = author_log.line_digest(
        line["device_id"],
        line["seq"],
        line["hlc"],
        line["kind"],
        line["record_id"],
        line["field"],
        encoded["value"],
        line["salt"],
        encoded["context"],
        encoded["replaces"],
    )
    assert quick == author_log.digest(line)
    stub = {"device_id": device_id, "digest": line_digest, "prev": prev, "seq": seq}
    expected = hashlib.sha256(canonical(stub).encode("utf-8")).hexdigest()
    assert author_log.link(device_id, seq, prev, line_digest) == expected
