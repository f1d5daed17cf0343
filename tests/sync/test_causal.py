"""SPEC §4.3 and §4.12: an edit made after seeing a value replaces it whatever the clocks say; only edits
made without seeing each other compete by clock; a stamp received never moves this installation's clock."""

from __future__ import annotations

from desktop_app.domain import hlc
from tests.sync import forge
from tests.sync.test_trust import EVENT, change, forged

DAY_MS = 86_400_000


def stamps(office) -> list[str]:
    with office.desk.engine.connect() as connection:
        return [
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT hlc FROM changes WHERE device_id = ? ORDER BY seq", (office.device_id,)
            )
        ]


def test_an_edit_after_seeing_a_value_replaces_it_whatever_the_clocks_say(world, tmp_path):
    """Attack "clock contagion": a value stamped 29 days ahead (a delegation laptop with a wrong date)."""
    unodc, kz = world["unodc"], world["kz"]
    event = kz.desk.put("event", {**EVENT, "parties": ["KZ"]})
    unodc.receive(*kz.send().paths)
    ahead = hlc.encode(hlc.wall_clock_ms() + 29 * DAY_MS, 0)
    lines, head = forge.own_lines(kz.desk, [change(event, "title", "From the future", hlc=ahead)])
    summary = unodc.receive(forged(kz, tmp_path / "ahead.pdsync", lines, {kz.device_id: head}))
    assert summary["clock_warnings"] and unodc.desk.get(event)["title"] == "From the future"
    unodc.desk.put("event", {"id": event, "title": "Corrected by the secretariat"})
    unodc.desk.put("event", {**EVENT, "title": "Another record"})
    newest = hlc.decode(stamps(unodc)[-1])[0]
    assert newest < hlc.wall_clock_ms() + 60_000, "the secretariat's clock stayed on its own time"
    assert unodc.desk.get(event)["title"] == "Corrected by the secretariat"
    # Everyone who sees the correction takes it, though its stamp is a month older than what it replaced.
    uz = world["uz"]
    for office in (kz, uz):
        office.receive(*unodc.send(office, full=True).paths)
        assert office.desk.get(event)["title"] == "Corrected by the secretariat"


def test_edits_made_without_seeing_each_other_compete_by_clock_and_the_loser_is_kept(world):
    unodc, kz, uz = world["unodc"], world["kz"], world["uz"]
    event = kz.desk.put("event", {**EVENT, "parties": ["KZ", "UZ"]})
    unodc.receive(*kz.send().paths)
    uz.receive(*unodc.send(uz).paths)
    kz.desk.put("event", {"id": event, "city": "Астана"})
    uz.desk.put("event", {"id": event, "city": "Toshkent"})  # later, and it never saw Астана
    unodc.receive(*kz.send().paths)
    summary = unodc.receive(*uz.send().paths)
    assert summary["conflicts"] == 1 and unodc.desk.get(event)["city"] == "Toshkent"
    for office in (kz, uz):
        office.receive(*unodc.send(office).paths)
        assert office.desk.get(event)["city"] == "Toshkent"
    # Control: an edit made after seeing both replaces them without a conflict.
    kz.desk.put("event", {"id": event, "city": "Astana"})
    summary = unodc.receive(*kz.send().paths)
    assert summary["conflicts"] == 0 and unodc.desk.get(event)["city"] == "Astana"
