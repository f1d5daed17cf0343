"""SPEC §4.1–4.5 as properties: random edits and random exchanges among three installations,
repeated and reordered, converge, and no typed value vanishes without a conflict recording it."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from desktop_app.errors import InputError, ValidationError
from desktop_app.sync import api
from tests.sync.conftest import Office

NAMES = ("unodc", "kz", "uz")
FIELDS = {
    "title": ["Тренинг", "Training", "Trening"],
    "city": ["Astana", "Бишкек", "Toshkent"],
    "status": ["planned", "held", "postponed"],
    "outcomes": ["Agreed", "Келісілді", "Kelishildi"],
}

operation = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(NAMES), st.sampled_from(FIELDS["title"])),
    st.tuples(
        st.just("edit"), st.sampled_from(NAMES), st.integers(0, 9), st.sampled_from(sorted(FIELDS)), st.integers(0, 2)
    ),
    st.tuples(
        st.just("edit"), st.sampled_from(NAMES), st.integers(0, 9), st.sampled_from(sorted(FIELDS)), st.integers(0, 2)
    ),
    st.tuples(st.just("delete"), st.sampled_from(NAMES), st.integers(0, 9)),
    st.tuples(st.just("attend"), st.sampled_from(NAMES), st.integers(0, 9), st.sampled_from(["Айгерим", "Dilnoza"])),
    st.tuples(st.just("export"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("import"), st.sampled_from(NAMES), st.integers(0, 30)),
)


class World:
    """Three installations, the bundles in transit, and every value anyone typed."""

    def __init__(self, folder):
        self.offices = {
            "unodc": Office(folder, "unodc", "secretariat"),
            "kz": Office(folder, "kz", "delegation", "KZ"),
            "uz": Office(folder, "uz", "delegation", "UZ"),
        }
        self.mail: list = []
        self.typed: set[tuple[str, str, str]] = set()  # (record, field, canonical value)
        self.superseded: set[tuple[str, str, str]] = set()  # values their own installation replaced knowingly
        # Two events everyone holds, so that random edits soon collide.
        secretariat = self.offices["unodc"]
        for title in ("Annual Conference", "Focus group"):
            self.run(("create", "unodc", title))
        for name in ("kz", "uz"):
            self.offices[name].receive(*secretariat.send(full=True).paths)
            secretariat.receive(*self.offices[name].send().paths)

    def close(self):
        for office in self.offices.values():
            office.desk.close()

    def events(self, name):
        return [e["id"] for e in self.offices[name].desk.list("event")]

    def _type(self, record_id, field, value):
        self.typed.add((record_id, field, json.dumps(value, ensure_ascii=False)))

    def _supersede(self, desk, record_id, fields):
        current = desk.get(record_id)
        for field in fields:
            self.superseded.add((record_id, field, json.dumps(current[field], ensure_ascii=False)))

    def run(self, op):
        kind, name = op[0], op[1]
        desk = self.offices[name].desk
        if kind == "create":
            record_id = desk.put(
                "event", {"type": "webinar", "title": op[2], "start_date": "2025-03-01", "parties": ["KZ", "UZ"]}
            )
            self._type(record_id, "title", op[2])
        elif kind in ("edit", "delete", "attend"):
            events = self.events(name)
            if not events:
                return
            record_id = events[op[2] % len(events)]
            try:
                self._change(kind, desk, record_id, op)
            except ValidationError:  # SPEC §3: this installation may not change that record
                pass
        elif kind == "export":
            self.mail.append((self.offices[name].send(self.offices[op[2]]).paths[0]))
        elif kind == "import" and self.mail:
            try:
                self.offices[name].receive(self.mail[op[2] % len(self.mail)])
            except InputError as error:  # only a bundle made for another installation may be refused
                if "another installation" not in str(error):
                    raise AssertionError(error) from None

    def _change(self, kind, desk, record_id, op):
        if kind == "edit":
            field, value = op[3], FIELDS[op[3]][op[4]]
            current = desk.get(record_id)[field]
            desk.put("event", {"id": record_id, field: value})
            self.superseded.add((record_id, field, json.dumps(current, ensure_ascii=False)))
            self._type(record_id, field, value)
        elif kind == "delete":
            self._supersede(desk, record_id, FIELDS)
            desk.delete(record_id)
        else:
            person = desk.put("person", {"full_name": op[3]})
            desk.put("participation", {"event_id": record_id, "person_id": person})

    def settle(self):
        """Everyone sends everything to the secretariat, which sends everything back."""
        secretariat = self.offices["unodc"]
        for name in ("kz", "uz"):
            secretariat.receive(*self.offices[name].send(secretariat, full=True).paths)
        back = secretariat.send(full=True).paths
        for name in ("kz", "uz"):
            self.offices[name].receive(*back)


@given(st.lists(operation, min_size=1, max_size=30))
def test_any_exchange_order_converges_and_loses_nothing(tmp_path_factory, ops):
    world = World(tmp_path_factory.mktemp("world"))
    try:
        for op in ops:
            world.run(op)
        world.settle()
        dumps = {name: office.dump() for name, office in world.offices.items()}
        assert dumps["unodc"] == dumps["kz"] == dumps["uz"]

        records = {json.loads(line)["id"]: json.loads(line) for line in dumps["unodc"]}
        kept = set()
        for office in world.offices.values():
            for conflict in api.list_conflicts(office.desk, include_settled=True):
                kept.add(
                    (conflict["record_id"], conflict["field"], json.dumps(conflict["loser_value"], ensure_ascii=False))
                )
        for record_id, field, value in world.typed:
            record = records.get(record_id)
            assert (
                (record is not None and json.dumps(record[field], ensure_ascii=False) == value)
                or (record_id, field, value) in world.superseded
                or (record_id, field, value) in kept
                or (record_id, "deleted", "true") in world.superseded
            ), (record_id, field, value)
    finally:
        world.close()


@given(st.permutations(range(4)), st.integers(1, 3))
def test_order_and_repetition_of_arrival_do_not_matter(tmp_path_factory, order, repeats):
    """The same four bundles imported in any order, any number of times, give the same records."""
    folder = tmp_path_factory.mktemp("order")
    kz, uz = Office(folder, "kz", "delegation", "KZ"), Office(folder, "uz", "delegation", "UZ")
    first, second = Office(folder, "first", "secretariat"), Office(folder, "second", "secretariat")
    try:
        event = kz.desk.put(
            "event", {"type": "webinar", "title": "Вебинар", "start_date": "2025-03-01", "parties": ["KZ", "UZ"]}
        )
        bundles = [kz.send().paths[0]]
        uz.receive(*kz.send(uz).paths)
        uz.desk.put("event", {"id": event, "city": "Toshkent", "title": "Vebinar"})
        kz.desk.put("event", {"id": event, "title": "Вебинар 2", "outcomes": "Келісілді"})
        bundles += [kz.send(full=True).paths[0], uz.send().paths[0]]
        doomed = uz.desk.put("event", {"type": "focus_group", "title": "Focus", "start_date": "2025-04-01"})
        uz.desk.delete(doomed)
        uz.desk.put("event", {"type": "focus_group", "title": "Focus", "start_date": "2025-04-01"})
        bundles.append(uz.send(full=True).paths[0])
        first.receive(*bundles)
        for _ in range(repeats):
            for index in order:
                second.receive(bundles[index])
        assert first.dump() == second.dump()
        assert second.receive(bundles[order[0]])["message"].startswith("Already imported")
    finally:
        for office in (kz, uz, first, second):
            office.desk.close()


shared_operation = st.one_of(
    st.tuples(
        st.just("share"),
        st.sampled_from(NAMES),
        st.sampled_from(["platform", "parties", "secretariat"]),
        st.sampled_from([("KZ",), ("UZ",), ("KZ", "UZ")]),
    ),
    st.tuples(
        st.just("edit"), st.sampled_from(NAMES), st.integers(0, 9), st.sampled_from(sorted(FIELDS)), st.integers(0, 2)
    ),
    st.tuples(st.just("export"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("import"), st.sampled_from(NAMES), st.integers(0, 30)),
)


@given(st.lists(shared_operation, min_size=1, max_size=25))
def test_each_delegation_ends_with_everything_it_may_see(tmp_path_factory, ops):
    """Records shared with the secretariat only, or with some parties, relayed any way: once everyone has
    exchanged with the secretariat, each delegation holds exactly the secretariat's version of every record
    it may see (SPEC §4.1, §4.5)."""
    from desktop_app.sync.sharing import Recipient, hidden_records

    world = World(tmp_path_factory.mktemp("shared"))
    try:
        for op in ops:
            if op[0] == "share":
                _, name, sharing, parties = op
                world.offices[name].desk.put(
                    "event",
                    {
                        "type": "webinar",
                        "title": f"{sharing} {'-'.join(parties)}",
                        "start_date": "2025-05-01",
                        "sharing": sharing,
                        "parties": list(parties),
                    },
                )
            else:
                world.run(op)
        secretariat = world.offices["unodc"]
        for name in ("kz", "uz"):  # incremental, as in daily use: what each believes the other lacks
            secretariat.receive(*world.offices[name].send(secretariat).paths)
        for name in ("kz", "uz"):
            world.offices[name].receive(*secretariat.send(world.offices[name]).paths)
        everything = {json.loads(line)["id"]: line for line in secretariat.dump()}
        for name in ("kz", "uz"):
            missing = {json.loads(line)["id"] for line in world.offices[name].dump()} - set(everything)
            assert not missing, f"{name} holds records the secretariat never received: {missing}"
        for name, country in (("kz", "KZ"), ("uz", "UZ")):
            with secretariat.desk.engine.connect() as connection:
                hidden = hidden_records(connection, Recipient("delegation", country))
            held = {json.loads(line)["id"]: line for line in world.offices[name].dump()}
            for record_id, line in everything.items():
                if record_id not in hidden:
                    assert held.get(record_id) == line, (name, line)
    finally:
        world.close()
