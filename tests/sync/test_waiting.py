"""SPEC §3, waiting lines: bounded per sender, expired, retried only when what they wait for arrives, listed and
purged on the command line; nothing waiting or retried makes a later bundle fail (attacks “one waiting line cuts
a delegation off” and “unbounded waiting”), each with an honest control."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from desktop_app.domain import hlc
from desktop_app.errors import InputError
from desktop_app.sync import waiting
from desktop_app.sync.merge import Merger
from tests.conftest import Cli
from tests.sync.conftest import Office
from tests.sync.crafted import change, crafted, next_seq

EVENT = {"type": "national_training", "title": "Тренинг", "start_date": "2025-03-01"}


@pytest.fixture
def world(tmp_path):
    """A secretariat that has confirmed KZ and UZ, and the delegations that confirmed it."""
    unodc = Office(tmp_path, "unodc", "secretariat")
    kz, uz = Office(tmp_path, "kz", "delegation", "KZ"), Office(tmp_path, "uz", "delegation", "UZ")
    for office in (kz, uz):
        unodc.receive(*office.send().paths)
        office.receive(*unodc.send(office).paths)
    yield unodc, kz, uz
    for office in (unodc, kz, uz):
        office.desk.close()


def unknown_record(number: int) -> str:
    return f"99999999-0000-0000-0000-{number:012d}"


def waiting_lines(office: Office, count: int, first: int = 0, text: str = "x") -> list[dict]:
    """``count`` lines of ``office`` for records nobody holds: each waits for its record."""
    seq = next_seq(office) + 1000 + first
    return [change(office, seq + i, unknown_record(first + i), "description", text) for i in range(count)]


@pytest.mark.parametrize(
    "end_date, clashes", [("2025-01-01", True), ("2025-03-04", False)], ids=["end-before-start", "honest-control"]
)
def test_a_waiting_line_never_cuts_anyone_off(world, tmp_path, end_date, clashes):
    unodc, kz, uz = world
    event = kz.desk.put("event", EVENT)  # not sent yet
    later = hlc.encode(hlc.wall_clock_ms() + 60_000, 0)
    early = crafted(
        kz, tmp_path / "early.pdsync", [change(kz, next_seq(kz) + 50, event, "end_date", end_date, stamp=later)]
    )
    summary = unodc.receive(early)
    assert [r["reason"] for r in summary["refused"]] == ["record_not_held_yet"]
    assert [h["waits_for"] for h in waiting.held_changes(unodc.desk)] == [event]
    summary = unodc.receive(*kz.send(full=True).paths)  # the record arrives: the waiting line is applied
    assert unodc.desk.get(event)["end_date"] == end_date and waiting.held_changes(unodc.desk) == []
    assert summary["conflicts"] == (1 if clashes else 0)
    # Every later bundle imports, --full included, and the other delegation receives the record as it stands.
    unodc.desk.put("event", {"id": event, "city": "Астана"})
    uz.receive(*unodc.send(uz, full=True).paths)
    uz.receive(*unodc.send(uz).paths)
    kz.desk.put("event", {"id": event, "title": "Тренинг 2"})
    unodc.receive(*kz.send(full=True).paths)
    uz.receive(*unodc.send(uz).paths)
    assert uz.desk.get(event)["city"] == "Астана" and uz.desk.get(event)["end_date"] == end_date
    assert uz.desk.get(event)["title"] == "Тренинг 2"


def test_waiting_is_bounded_per_sender_in_lines(world, tmp_path, monkeypatch):
    unodc, kz, uz = world
    monkeypatch.setattr(waiting, "MAX_HELD_LINES", 5)
    unodc.receive(crafted(kz, tmp_path / "kz-5.pdsync", waiting_lines(kz, 5)))  # control: at the limit
    unodc.receive(crafted(uz, tmp_path / "uz-5.pdsync", waiting_lines(uz, 5)))  # another sender's own quota
    before = unodc.dump()
    with pytest.raises(InputError, match="MAX_HELD_LINES = 5"):
        unodc.receive(crafted(kz, tmp_path / "kz-1.pdsync", waiting_lines(kz, 1, first=5)))
    assert unodc.dump() == before and len(waiting.held_changes(unodc.desk)) == 10


def test_waiting_is_bounded_per_sender_in_bytes(world, tmp_path, monkeypatch):
    unodc, kz, _uz = world
    monkeypatch.setattr(waiting, "MAX_HELD_BYTES", 5_000)
    unodc.receive(crafted(kz, tmp_path / "small.pdsync", waiting_lines(kz, 2, text="x" * 1_000)))  # control
    with pytest.raises(InputError, match="MAX_HELD_BYTES = 5000"):
        unodc.receive(crafted(kz, tmp_path / "big.pdsync", waiting_lines(kz, 1, first=2, text="x" * 4_000)))
    assert [h["bytes"] > 1_000 for h in waiting.held_changes(unodc.desk)] == [True, True]


def test_a_bundle_over_the_quota_is_refused_with_exit_2(world, tmp_path):
    """The real limit, through the command line: one sender may leave MAX_HELD_LINES lines waiting."""
    unodc, kz, _uz = world
    cli = Cli(unodc.desk.path)
    path = crafted(kz, tmp_path / "flood.pdsync", waiting_lines(kz, waiting.MAX_HELD_LINES + 1))
    result = cli("import", path)
    assert result.returncode == 2 and "MAX_HELD_LINES" in result.stderr and len(result.stderr.splitlines()) == 1
    assert json.loads(cli("held", "--json", check=True).stdout) == []


def _age(office: Office, days: int) -> None:
    with sqlite3.connect(office.desk.path) as connection:
        moment = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")
        connection.execute("UPDATE held_back SET held_at = ?", (moment,))


@pytest.mark.parametrize("days, kept", [(waiting.HELD_DAYS + 1, False), (waiting.HELD_DAYS - 1, True)])
def test_waiting_lines_expire(world, tmp_path, days, kept):
    unodc, kz, uz = world
    unodc.receive(crafted(kz, tmp_path / "waits.pdsync", waiting_lines(kz, 3)))
    _age(unodc, days)
    uz.desk.put("event", EVENT)
    unodc.receive(*uz.send().paths)  # any import drops what waited too long
    assert len(waiting.held_changes(unodc.desk)) == (3 if kept else 0)


def test_only_what_an_import_allows_is_tried_again(world, tmp_path, monkeypatch):
    """Waiting lines are tried again when their record arrives, not after every import."""
    unodc, kz, uz = world
    tried = []
    merge_lines = Merger._merge_lines

    def counting(self, changes):
        changes = list(changes)
        if self._retrying:
            tried.extend((c["record_id"], c["field"]) for c in changes)
        return merge_lines(self, changes)

    monkeypatch.setattr(Merger, "_merge_lines", counting)
    event = kz.desk.put("event", EVENT)
    stamp = hlc.encode(hlc.wall_clock_ms() + 60_000, 0)
    unodc.receive(
        crafted(
            kz,
            tmp_path / "waits.pdsync",
            [*waiting_lines(kz, 200), change(kz, next_seq(kz) + 900, event, "city", "Алматы", stamp=stamp)],
        )
    )
    assert len(waiting.held_changes(unodc.desk)) == 201
    uz.desk.put("event", {**EVENT, "title": "Unrelated"})
    unodc.receive(*uz.send().paths)
    assert tried == []  # nothing this import brought allows any of them
    unodc.receive(*kz.send(full=True).paths)
    assert tried == [(event, "city")] and unodc.desk.get(event)["city"] == "Алматы"
    assert len(waiting.held_changes(unodc.desk)) == 200


def test_held_lists_and_purges_on_the_command_line(world, tmp_path):
    unodc, kz, uz = world
    unodc.receive(crafted(kz, tmp_path / "kz.pdsync", waiting_lines(kz, 2)))
    unodc.receive(crafted(uz, tmp_path / "uz.pdsync", waiting_lines(uz, 1)))
    cli = Cli(unodc.desk.path)
    listed = json.loads(cli("held", "--json", check=True).stdout)
    assert [(h["sender"], h["author"], h["record"], h["field"], h["reason"]) for h in listed] == [
        (kz.device_id, kz.device_id, unknown_record(0), "description", "record_not_held_yet"),
        (kz.device_id, kz.device_id, unknown_record(1), "description", "record_not_held_yet"),
        (uz.device_id, uz.device_id, unknown_record(0), "description", "record_not_held_yet"),
    ]
    assert all(h["since"][:4].isdigit() and h["bytes"] > 100 and h["waits_for"] == h["record"] for h in listed)
    plain = cli("held", check=True).stdout.splitlines()
    assert len(plain) == 3 and "has not arrived" in plain[0]
    assert cli("held", "--purge", uz.device_id, check=True).stdout.strip() == "Removed 1 waiting change"
    assert {h["sender"] for h in json.loads(cli("held", "--json", check=True).stdout)} == {kz.device_id}
    assert cli("held", "--purge", "٣", "--lang", "ru").returncode == 2
    assert cli("held", "--purge", check=True).stdout.strip() == "Removed 2 waiting changes"
    assert json.loads(cli("held", "--json", check=True).stdout) == []


@pytest.mark.parametrize("target", ["missing", "held"])
def test_a_retried_line_never_makes_a_later_bundle_fail(world, tmp_path, target):
    """A waiting line that would move its record onto a person nobody holds keeps waiting when retried."""
    unodc, kz, _uz = world
    event = kz.desk.put("event", EVENT)
    person = kz.desk.put("person", {"full_name": "Айгерим"})
    other = kz.desk.put("person", {"full_name": "Дана"})
    attendance = kz.desk.put("participation", {"event_id": event, "person_id": person})
    moved_to = other if target == "held" else "99999999-0000-0000-0000-000000000001"
    stamp = hlc.encode(hlc.wall_clock_ms() + 60_000, 0)
    unodc.receive(
        crafted(
            kz,
            tmp_path / "early.pdsync",
            [change(kz, next_seq(kz) + 50, attendance, "person_id", moved_to, kind="participation", stamp=stamp)],
        )
    )
    unodc.receive(*kz.send(full=True).paths)  # the record arrives
    second = kz.desk.put("event", {**EVENT, "title": "Второй"})
    kz.desk.put("participation", {"id": attendance, "event_id": second})  # and moves: tried again
    unodc.receive(*kz.send(full=True).paths)  # every import went through
    if target == "held":  # control: a line whose person is held applies
        assert unodc.desk.get(attendance)["event_id"] == second
        assert unodc.desk.get(attendance)["person_id"] == other and waiting.held_changes(unodc.desk) == []
    else:  # the move is in KZ's own log (author logs): the participation waits whole for the person
        assert moved_to in {h["waits_for"] for h in waiting.held_changes(unodc.desk)}


def test_a_line_clearing_a_required_field_is_refused_before_it_waits(world, tmp_path):
    unodc, kz, _uz = world
    record = unknown_record(7)
    with pytest.raises(InputError, match="title: is required"):
        unodc.receive(crafted(kz, tmp_path / "clear.pdsync", [change(kz, next_seq(kz) + 9, record, "title", None)]))
    unodc.receive(
        crafted(
            kz,
            tmp_path / "optional.pdsync",
            [  # control: an optional field may be cleared
                change(kz, next_seq(kz) + 9, record, "description", None)
            ],
        )
    )
    assert [h["field"] for h in waiting.held_changes(unodc.desk)] == ["description"]
