"""The set-based merge (``merge_sql``) is the line-by-line rules of SPEC §3–4 at the speed of SQL: the changes of
random histories merged as one bundle, in any order, give exactly the tables that applying the same changes one
at a time, in the order they were made, gives.

(One at a time within one bundle: a bundle of a participation's single line would be refused for arriving
without its event, as SPEC §4 wants, so one *bundle* per change cannot hold every history.)"""

from __future__ import annotations

import json

from hypothesis import Phase, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, text

from desktop_app.domain.desk import Desk
from desktop_app.storage.models import RECORD_MODELS, Link, Peer
from desktop_app.sync import api, trust
from desktop_app.sync.bundle import Bundle
from desktop_app.sync.lines import check_change
from desktop_app.sync.merge import Merger
from tests.sync.conftest import Office
from tests.sync.test_convergence import World, operation

_COLUMNS = "device_id, seq, hlc, kind, record_id, field, value, context"


def _changes(desk: Desk) -> list[dict]:
    """Every change the desk holds, as a bundle line it could prove (read back through the format's checks)."""
    with desk.engine.connect() as connection:
        rows = connection.execute(
            text(
                f"SELECT {_COLUMNS}, replaces, salt, (SELECT prev FROM links l WHERE l.device_id = changes.device_id "
                "AND l.seq = changes.seq) FROM changes"
            )
        ).all()
    changes = []
    for device, seq, stamp, kind, record_id, field, value, context, replaces, salt, prev in rows:
        change = {
            "device_id": device,
            "seq": seq,
            "hlc": stamp,
            "kind": kind,
            "record_id": record_id,
            "field": field,
            "value": json.loads(value),
            "salt": salt,
            "prev": prev,
        }
        if context is not None:
            change["context"] = json.loads(context)
        if replaces is not None:
            change["replaces"] = json.loads(replaces)
        changes.append(check_change(change))
    return changes


def _receiver(folder, name: str, offices) -> Desk:
    """A secretariat that has pinned every office and holds the proven links of their logs."""
    desk = Desk.create(folder / f"{name}.db", name, "secretariat", None)
    with desk.engine.begin() as connection:
        for office in offices:
            with office.desk.engine.connect() as source:
                links = [
                    dict(row._mapping) for row in source.execute(select(Link).where(Link.device_id == office.device_id))
                ]
            if links:
                connection.execute(insert(Link), links)
            me = office.desk.identity
            connection.execute(
                insert(Peer).values(
                    device_id=me["device_id"],
                    device_name=me["device_name"],
                    role=me["role"],
                    country=me["country"],
                    public_key=me["public_key"],
                    first_seen="2025-01-01",
                    last_seen="2025-01-01",
                    vector="{}",
                )
            )
    return desk


def _merger(connection, desk: Desk) -> Merger:
    return Merger(
        connection,
        desk.identity["device_id"],
        trust.origins(connection, desk.identity),
        trust.keys(connection, desk.identity),
        desk.identity["device_id"],
    )


def _merge(desk: Desk, changes: list[dict]) -> bool:
    """One bundle of ``changes``, as ``importing._apply`` merges it; whether it went set-based."""
    with desk.engine.begin() as connection:
        merger = _merger(connection, desk)
        merger.merge(iter(changes), heads={})
        merger.retry_held_back()
        merger.finish()
        return merger.set_based


def _tables(desk: Desk) -> dict:
    with desk.engine.connect() as connection:
        tables = {
            model.__tablename__: connection.execute(text(f"SELECT * FROM {model.__tablename__} ORDER BY id")).all()
            for model in RECORD_MODELS.values()
        }
        tables["changes"] = sorted(connection.execute(text(f"SELECT {_COLUMNS} FROM changes")).all())
        tables["held_back"] = sorted(connection.execute(text("SELECT device_id, seq FROM held_back")).all())
    return tables


@settings(max_examples=15, phases=(Phase.explicit, Phase.reuse, Phase.generate))  # shrinking takes minutes
@given(st.lists(operation, min_size=1, max_size=15), st.randoms(use_true_random=False))
def test_one_bundle_in_any_order_equals_one_change_at_a_time(tmp_path_factory, ops, random):
    folder = tmp_path_factory.mktemp("set-based")
    world = World(folder)
    receivers = []
    try:
        for op in ops:
            world.run(op)
        held = {}
        for office in world.offices.values():
            for change in _changes(office.desk):
                held[(change["device_id"], change["seq"])] = change
        # What bundles carry: the current value of each field (``export._lines``).
        current = {}
        for change in held.values():
            key = (change["record_id"], change["field"])
            order = (change["hlc"], change["device_id"])
            if key not in current or order > (current[key]["hlc"], current[key]["device_id"]):
                current[key] = change
        changes = list(current.values())
        offices = list(world.offices.values())
        whole, single = _receiver(folder, "whole", offices), _receiver(folder, "single", offices)
        receivers = [whole, single]
        random.shuffle(changes)
        event("set-based" if _merge(whole, changes) else "line by line")
        with single.engine.begin() as connection:
            merger = _merger(connection, single)
            for change in sorted(changes, key=lambda c: (c["hlc"], c["device_id"])):  # causal order
                merger._merge_lines([change])
                merger.retry_held_back()
            merger.finish()
        assert _tables(whole) == _tables(single)
    finally:
        for desk in receivers:
            desk.close()
        world.close()


def test_a_delegations_own_records_merge_set_based_with_conflicts_as_line_by_line(tmp_path):
    kz, uz = Office(tmp_path, "kz", "delegation", "KZ"), Office(tmp_path, "uz", "delegation", "UZ")
    unodc = Office(tmp_path, "unodc", "secretariat")
    receivers = []
    try:
        event = kz.desk.put(
            "event", {"type": "webinar", "title": "Вебинар", "start_date": "2025-03-01", "parties": ["KZ", "UZ"]}
        )
        person = kz.desk.put("person", {"full_name": "Айгерим"})
        kz.desk.put("participation", {"event_id": event, "person_id": person})
        unodc.receive(*kz.send().paths)
        unodc.desk.put("event", {"id": event, "title": "Webinar"})  # concurrent with kz's next edit
        kz.desk.put("event", {"id": event, "title": "Вебинар 2", "city": "Astana"})
        kz.desk.delete(person)
        changes = [c for c in Bundle(kz.send(full=True).paths[0]).changes() if not c.get("stub")]
        whole, lines = _receiver(tmp_path, "whole", [kz, uz, unodc]), _receiver(tmp_path, "lines", [kz, uz, unodc])
        receivers = [whole, lines]
        assert _merge(whole, list(reversed(changes)))
        with lines.engine.begin() as connection:  # the rules line by line, in the order the changes were made
            merger = _merger(connection, lines)
            merger._merge_lines(changes)
            merger.retry_held_back()
            merger.finish()
        assert _tables(whole) == _tables(lines)
        # A bundle carrying the secretariat's concurrent edit: the same conflict both ways.
        later = [
            c
            for c in Bundle(unodc.send(full=True).paths[0]).changes()
            if c["device_id"] == unodc.device_id and not c.get("stub")
        ]
        assert _merge(whole, later)
        with lines.engine.begin() as connection:
            merger = _merger(connection, lines)
            merger._merge_lines(later)
            merger.finish()
        assert _tables(whole) == _tables(lines)
        conflicts = [api.list_conflicts(desk) for desk in (whole, lines)]
        strip = [[{k: v for k, v in c.items() if k not in ("id", "detected_at")} for c in each] for each in conflicts]
        assert strip[0] == strip[1] and strip[0]
    finally:
        for desk in receivers:
            desk.close()
        for office in (kz, uz, unodc):
            office.desk.close()
