"""SPEC §4.12 as a stateful property: a secretariat with a second staff laptop, KZ on two laptops, UZ and TJ
create, edit, re-share and delete records — including edits of each other's records, which authority may
refuse — with clocks up to three days wrong and bursts of writes, and exchange files through the secretariat
and directly, in any order. Among them are adversaries (SPEC §3): KZ's second laptop is hostile (it forges
lines in others' names, claims others' records, edits what it may not, moves what it may not, stamps weeks
ahead), and KZ's first laptop may be stolen and revoked in the middle of the history. After two full rounds
through the secretariat, every honest installation holds exactly the secretariat's values for every record it
may see, and nothing of the records it never could.

``HYPOTHESIS_PROFILE=ci`` keeps it bounded; ``PD_LONG=1`` runs 200 histories (``PD_EXAMPLES=N`` to choose),
some with bursts of 10,001 writes (enough to carry a standing clock's counter into the milliseconds); run it with
``--timeout=0``. A failing history, as Hypothesis prints it, replays and shrinks with ``python -m tests.sync.replay``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from desktop_app.domain import hlc
from desktop_app.errors import InputError, NotFoundError, ValidationError
from desktop_app.sync import api
from desktop_app.sync.sharing import Recipient, hidden_records
from tests.conftest import new_server_database
from tests.sync import forge
from tests.sync.conftest import Office

LONG = bool(os.environ.get("PD_LONG"))
BURST, BIG_BURST = 300, 10_001 if LONG else 1_000
DELEGATIONS = {"kz1": "KZ", "kz2": "KZ", "uz": "UZ", "tj": "TJ"}
NAMES = ("unodc", "unodc2", *DELEGATIONS)
HOSTILE = "kz2"  # a delegation laptop whose program was modified
SHARING = ("platform", "parties", "secretariat", "local")
PARTIES = st.sampled_from([(), ("KZ",), ("UZ", "TJ"), ("KZ", "UZ"), ("KZ", "UZ", "TJ")])
FIELDS = {
    "title": ["Тренинг", "Training", "Trening"],
    "city": ["Astana", "Бишкек", "Душанбе"],
    "outcomes": ["Agreed", "Келісілді", "Kelishildi"],
    "status": ["planned", "held", "cancelled"],
}
DAY = 86_400_000


class Platform(RuleBasedStateMachine):
    """Five real installations, their clocks, and the files in transit."""

    @initialize()
    def start(self):
        Office.everyone = []
        self.folder = Path(tempfile.mkdtemp(prefix="pd-platform-"))
        self.offices = {
            "unodc": Office(self.folder, "unodc", "secretariat", server_url=self.server_database()),
            "unodc2": Office(self.folder, "unodc2", "secretariat"),
        }
        for name, country in DELEGATIONS.items():
            self.offices[name] = Office(self.folder, name, "delegation", country)
        self.skew = dict.fromkeys(NAMES, 0)
        self.reshared: set[str] = set()
        self.revoked: set[str] = set()
        self.ever_visible = {name: set() for name in DELEGATIONS}
        self.real_clock = hlc.wall_clock_ms
        for name in ("unodc2", *DELEGATIONS):  # first contacts, confirmed by phone: the root first
            self.exchange(name, "unodc")
            self.exchange("unodc", name)

    def server_database(self) -> str | None:
        """Where the secretariat's database is: None for a file (``OnServer`` gives a PostgreSQL database)."""
        return None

    @contextlib.contextmanager
    def clock_of(self, name):
        hlc.wall_clock_ms = lambda: self.real_clock() + self.skew[name]
        try:
            yield
        finally:
            hlc.wall_clock_ms = self.real_clock

    def events(self, name):
        return [e["id"] for e in self.offices[name].desk.list("event")]

    def attempt(self, name, write):
        """A write through the domain; refusals for want of authority are part of the game."""
        with self.clock_of(name):
            try:
                return write(self.offices[name].desk)
            except (ValidationError, NotFoundError):
                return None

    @rule(
        name=st.sampled_from(NAMES),
        title=st.sampled_from(FIELDS["title"]),
        sharing=st.sampled_from(SHARING),
        parties=PARTIES,
        parent=st.booleans(),
    )
    def create(self, name, title, sharing, parties, parent):
        events = self.events(name)
        values = {
            "type": "national_training",
            "title": title,
            "start_date": "2025-03-01",
            "sharing": sharing,
            "parties": list(parties),
            **({"parent_id": events[0]} if parent and events else {}),
        }
        self.attempt(name, lambda desk: desk.put("event", values))

    @rule(
        name=st.sampled_from(NAMES),
        index=st.integers(0, 20),
        field=st.sampled_from(sorted(FIELDS)),
        choice=st.integers(0, 2),
    )
    def edit(self, name, index, field, choice):
        events = self.events(name)
        if events:
            record = events[index % len(events)]
            self.attempt(name, lambda desk: desk.put("event", {"id": record, field: FIELDS[field][choice]}))

    @rule(name=st.sampled_from(NAMES), index=st.integers(0, 20), sharing=st.sampled_from(SHARING), parties=PARTIES)
    def reshare(self, name, index, sharing, parties):
        events = self.events(name)
        if events:
            record = events[index % len(events)]
            if self.attempt(
                name, lambda desk: desk.put("event", {"id": record, "sharing": sharing, "parties": list(parties)})
            ):
                self.reshared.add(record)

    @rule(name=st.sampled_from(NAMES), index=st.integers(0, 20))
    def delete(self, name, index):
        events = self.events(name)
        if events:
            self.attempt(name, lambda desk: desk.delete(events[index % len(events)]))

    @rule(
        name=st.sampled_from(NAMES),
        index=st.integers(0, 20),
        person=st.sampled_from(["Айгерим", "Dilnoza"]),
        sharing=st.sampled_from(SHARING),
    )
    def attend(self, name, index, person, sharing):
        events = self.events(name)
        if events:

            def write(desk):
                someone = desk.put("person", {"full_name": person, "sharing": sharing})
                return desk.put("participation", {"event_id": events[index % len(events)], "person_id": someone})

            self.attempt(name, write)

    @rule(name=st.sampled_from(NAMES), days=st.sampled_from([-3, -1, 0, 1, 3]))
    def set_clock(self, name, days):
        self.skew[name] = days * DAY

    @rule(name=st.sampled_from(NAMES), index=st.integers(0, 20))
    def burst(self, name, index):
        events = self.events(name)
        if events:
            record = events[index % len(events)]
            size = BIG_BURST if index == 0 else BURST
            self.attempt(
                name,
                lambda desk: desk.put_many(("event", {"id": record, "outcomes": f"Draft {n}"}) for n in range(size)),
            )

    @rule(
        victim=st.sampled_from(["unodc", "kz1", "tj"]),
        recipient=st.sampled_from(NAMES),
        index=st.integers(0, 20),
        field=st.sampled_from(["title", "sharing", "deleted"]),
    )
    def forge_in_anothers_name(self, victim, recipient, index, field):
        """The hostile laptop writes lines numbered as the victim's next ones, under a head it signs itself."""
        events = self.events(HOSTILE)
        if not events or recipient == HOSTILE:
            return
        value = {"title": "Forged", "sharing": "platform", "deleted": True}[field]
        hostile, victim_id = self.offices[HOSTILE].desk, self.offices[victim].device_id
        lines, head = forge.log_lines(
            victim_id,
            [{"kind": "event", "record_id": events[index % len(events)], "field": field, "value": value}],
            hostile.identity["private_key"],
            forge.log_end(hostile, victim_id),
        )
        path = forge.signed_bundle(
            hostile,
            self.folder / "forged.pdsync",
            lines,
            {victim_id: head},
            to=self.offices[recipient].device_id,
            audience="device",
        )
        self.deliver(HOSTILE, recipient, [path])

    @rule(index=st.integers(0, 20), abuse=st.sampled_from(["owner", "ahead", "sharing", "move", "deleted"]))
    def abuse_own_log(self, index, abuse):
        """The hostile laptop writes into its own log what the domain would refuse; it travels with its files."""
        desk = self.offices[HOSTILE].desk
        events = self.events(HOSTILE)
        if not events:
            return
        record = events[index % len(events)]
        line = {
            "owner": {"field": "owner", "value": "KZ"},
            "ahead": {"field": "title", "value": "Stamped ahead", "hlc": hlc.encode(self.real_clock() + 20 * DAY, 0)},
            "sharing": {"field": "sharing", "value": "platform"},
            "deleted": {"field": "deleted", "value": True},
            "move": {"field": "parent_id", "value": events[(index + 1) % len(events)]},
        }[abuse]
        forge.append_to_own_log(desk, [{"kind": "event", "record_id": record, **line}])

    @rule()
    def steal_and_revoke(self):
        """KZ's first laptop is stolen: the root secretariat revokes it at what it holds."""
        if "kz1" not in self.revoked:
            api.revoke(self.offices["unodc"].desk, self.offices["kz1"].device_id)
            self.revoked.add("kz1")

    @rule(sender=st.sampled_from(NAMES), recipient=st.sampled_from(NAMES))
    def exchange(self, sender, recipient):
        if sender == recipient:
            return
        if recipient in DELEGATIONS:  # what the recipient may see as the sender knows it: it may keep that
            with self.offices[sender].desk.engine.connect() as connection:
                hidden = hidden_records(connection, Recipient("delegation", DELEGATIONS[recipient]))
                records = {
                    i
                    for kind in ("events", "people", "participations", "actions", "attachments")
                    for i in connection.exec_driver_sql(f"SELECT id FROM {kind}").scalars()
                }
            self.ever_visible[recipient] |= records - hidden
        with self.clock_of(sender):
            paths = self.offices[sender].send(self.offices[recipient]).paths
        self.deliver(sender, recipient, paths)

    def deliver(self, sender, recipient, paths):
        """Import files; nothing an honest installation made, and nothing waiting, may make one fail."""
        with self.clock_of(recipient):
            try:
                self.offices[recipient].receive(*paths)
            except InputError as error:
                if "was made for" in str(error):  # a file for someone else is refused, rightly
                    return
                if sender in self.revoked and "revoked" in str(error):
                    return
                raise AssertionError(f"{sender} → {recipient}: {error}") from None

    def teardown(self):
        try:
            if hasattr(self, "offices"):
                self.check()
        finally:
            for office in getattr(self, "offices", {}).values():
                office.desk.close()
            shutil.rmtree(getattr(self, "folder", ""), ignore_errors=True)
            Office.everyone = []

    def check(self):
        for _round in range(2):
            for name in ("unodc2", *DELEGATIONS):
                self.exchange(name, "unodc")
            for name in ("unodc2", *DELEGATIONS):
                self.exchange("unodc", name)
        secretariat = self.offices["unodc"].desk
        everything = {json.loads(line)["id"]: line for line in secretariat.dump()}
        with secretariat.engine.connect() as connection:
            local = hidden_records(connection, Recipient("secretariat"))
            held_events = set(connection.exec_driver_sql("SELECT id FROM events").scalars())  # deleted ones too
        second = {json.loads(line)["id"]: json.loads(line) for line in self.offices["unodc2"].desk.dump()}
        for record_id, line in everything.items():  # the second staff laptop holds the same, but what is local
            if record_id not in local:
                expected = json.loads(line)
                if expected.get("parent_id") in local:
                    expected["parent_id"] = None
                got = second.get(record_id, {})
                if got.get("parent_id") and got["parent_id"] not in held_events:
                    got["parent_id"] = None  # its own local event
                assert got == expected, (
                    "unodc2",
                    "differs",
                    {
                        k: (expected.get(k), got.get(k))
                        for k in set(expected) | set(got)
                        if got.get(k) != expected.get(k)
                    },
                )
        with secretariat.engine.connect() as connection:
            owners = dict(connection.exec_driver_sql("SELECT id, owner FROM events").all())
        for name, country in DELEGATIONS.items():
            if name == HOSTILE or name in self.revoked:  # their own databases are theirs to spoil
                continue
            desk = self.offices[name].desk
            with secretariat.engine.connect() as connection:
                hidden = hidden_records(connection, Recipient("delegation", country))
            for record_id, line in everything.items():  # SPEC §4.1 restated for events, independently
                record = json.loads(line)
                if record["kind"] == "event":
                    visible = (
                        record["sharing"] == "platform"
                        or record["sharing"] != "local"
                        and (
                            owners[record_id] == country
                            or record["sharing"] == "parties"
                            and country in record["parties"]
                        )
                    )
                    assert visible == (record_id not in hidden), (name, "visibility", line, owners[record_id])
            held = {json.loads(line)["id"]: line for line in desk.dump()}
            for record_id, line in everything.items():
                if record_id not in hidden:
                    expected = json.loads(line)
                    if expected.get("parent_id") in hidden:  # comes without a reference it may not follow
                        expected["parent_id"] = None
                    got = json.loads(held.get(record_id, "null")) or {}
                    if got.get("parent_id") and (got["parent_id"] in hidden or got["parent_id"] not in held_events):
                        got["parent_id"] = None  # a parent it saw once, or its own local event
                    assert got == expected, (
                        name,
                        "differs",
                        {
                            k: (expected.get(k), got.get(k))
                            for k in set(expected) | set(got)
                            if got.get(k) != expected.get(k)
                        },
                    )
            with desk.engine.connect() as connection:
                created_here = set(  # its own records, whoever made them local since
                    connection.exec_driver_sql(
                        "SELECT record_id FROM changes WHERE device_id = ? AND field = 'owner'",
                        (self.offices[name].device_id,),
                    ).scalars()
                )
                stored = set(connection.exec_driver_sql("SELECT record_id FROM changes").scalars())
                stored |= set(connection.exec_driver_sql("SELECT record_id FROM conflicts").scalars())
            never_visible = hidden - self.ever_visible[name] - created_here
            assert not (stored & never_visible), (name, "holds records it may not see", stored & never_visible)
            with desk.engine.connect() as connection:
                own = {
                    i
                    for kind in ("events", "people", "participations", "actions", "attachments")
                    for i in connection.exec_driver_sql(f"SELECT id FROM {kind} WHERE owner = ?", (country,)).scalars()
                }
            for record_id in set(held) - set(everything) - own - self.reshared:  # its own local records stay home
                raise AssertionError((name, "holds a record the secretariat does not", held[record_id]))


Platform.TestCase.settings = settings(
    max_examples=int(os.environ.get("PD_EXAMPLES", 200 if LONG else 8)),
    stateful_step_count=40 if LONG else 25,
    derandomize=not LONG,
    parent=settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev")),
)
test_every_installation_ends_with_the_secretariats_values = Platform.TestCase


def test_a_secretariat_on_a_server_keeps_everyone_in_step(postgres_server):
    """The same property with the secretariat on a PostgreSQL server database (SPEC §6), fewer histories."""

    class OnServer(Platform):
        def server_database(self) -> str | None:
            return new_server_database(postgres_server)

    run_state_machine_as_test(
        OnServer,
        settings=settings(
            max_examples=int(os.environ.get("PD_SERVER_EXAMPLES", 50 if LONG else 3)),
            stateful_step_count=25,
            derandomize=not LONG,
            parent=settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev")),
        ),
    )
