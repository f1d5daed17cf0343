"""SPEC §4.3: fields that break a rule together after a merge are a conflict on their record, never a refused
bundle (attack “concurrent honest edits”), on both merge paths; the record stays editable."""

from __future__ import annotations

import json

import pytest

from desktop_app.errors import InputError, ValidationError
from desktop_app.sync import api, trust
from desktop_app.sync.bundle import Bundle
from desktop_app.sync.merge import Merger
from tests.conftest import Cli
from tests.sync.conftest import Office
from tests.sync.crafted import change, crafted, next_seq

EVENT = {"type": "national_training", "title": "Тренинг", "start_date": "2025-03-01", "participants_total": 10}


@pytest.fixture
def pair(tmp_path):
    unodc = Office(tmp_path, "unodc", "secretariat")
    kz = Office(tmp_path, "kz", "delegation", "KZ")
    unodc.receive(*kz.send().paths)
    kz.receive(*unodc.send(kz).paths)
    yield unodc, kz
    for office in (unodc, kz):
        office.desk.close()


def test_concurrent_honest_edits_are_a_conflict_not_a_refusal(pair):
    unodc, kz = pair
    event = kz.desk.put("event", EVENT)
    unodc.receive(*kz.send().paths)
    kz.receive(*unodc.send(kz).paths)
    unodc.desk.put("event", {"id": event, "participants_women": 6, "participants_men": 4})  # 10 of 10
    kz.desk.put("event", {"id": event, "participants_total": 5})  # made without seeing the counts
    summary = unodc.receive(*kz.send().paths)
    assert summary["conflicts"] == 1
    summary = kz.receive(*unodc.send(kz).paths)
    assert summary["conflicts"] == 1
    assert unodc.dump() == kz.dump()
    record = kz.desk.get(event)
    assert (record["participants_total"], record["participants_women"], record["participants_men"]) == (5, 6, 4)
    for office in (unodc, kz):
        [clash] = api.list_conflicts(office.desk)
        assert clash["rule"] == "women_and_men_within_total" and clash["record_id"] == event
        assert {clash["field"], clash["loser_field"]} <= {
            "participants_total",
            "participants_women",
            "participants_men",
        }
    # Later bundles go on importing, both ways.
    kz.desk.put("event", {"id": event, "title": "Тренинг 2"})  # an unrelated field stays editable
    unodc.receive(*kz.send().paths)
    unodc.desk.put("event", {"id": event, "city": "Астана"})
    kz.receive(*unodc.send(kz).paths)
    assert unodc.dump() == kz.dump() and kz.desk.get(event)["city"] == "Астана"
    # An edit that touches the clashing fields must obey the rule; one that settles it is taken.
    with pytest.raises(ValidationError, match="exceed"):
        kz.desk.put("event", {"id": event, "participants_total": 7})
    kz.desk.put("event", {"id": event, "participants_total": 12})
    unodc.receive(*kz.send().paths)
    assert unodc.desk.get(event)["participants_total"] == 12 and unodc.dump() == kz.dump()


def test_a_clash_can_be_kept_but_not_restored(pair):
    unodc, kz = pair
    event = kz.desk.put("event", {**EVENT, "end_date": "2025-03-05"})
    unodc.receive(*kz.send().paths)
    kz.receive(*unodc.send(kz).paths)
    unodc.desk.put("event", {"id": event, "end_date": "2025-03-02"})
    kz.desk.put("event", {"id": event, "start_date": "2025-03-04"})
    kz.receive(*unodc.send(kz).paths)
    [clash] = api.list_conflicts(kz.desk)
    assert clash["rule"] == "end_not_before_start"
    with pytest.raises(InputError, match="clash"):
        api.resolve_conflict(kz.desk, clash["id"], restore=True)
    api.resolve_conflict(kz.desk, clash["id"], restore=False)
    assert api.list_conflicts(kz.desk) == []
    # Control: a value that lost an ordinary conflict is still restored.
    unodc.desk.put("event", {"id": event, "city": "Алматы"})
    kz.desk.put("event", {"id": event, "city": "Астана"})
    kz.receive(*unodc.send(kz).paths)
    [lost] = api.list_conflicts(kz.desk)
    assert lost["rule"] is None
    api.resolve_conflict(kz.desk, lost["id"], restore=True)


def test_a_crafted_record_that_breaks_a_rule_imports_as_a_clash(pair, tmp_path):
    """One author's lines that break a rule (end before start) are a clash too: the rest of the bundle imports."""
    unodc, kz = pair
    seq = next_seq(kz) + 100
    record, honest = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
    lines = []
    for record_id, end in ((record, "2025-01-01"), (honest, "2025-01-12")):
        for field, value in (
            ("owner", "KZ"),
            ("type", "webinar"),
            ("title", "T"),
            ("start_date", "2025-01-10"),
            ("end_date", end),
        ):
            lines.append(change(kz, seq, record_id, field, value))
            seq += 1
    cli = Cli(unodc.desk.path)
    result = cli("import", crafted(kz, tmp_path / "clash.pdsync", lines))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["conflicts"] == 1 and json.loads(result.stdout)["new"] == 2
    listed = json.loads(cli("conflicts", "--json", check=True).stdout)
    assert [(c["record_id"], c["rule"]) for c in listed] == [(record, "end_not_before_start")]
    assert "end date is before the start date" in cli("conflicts", check=True).stdout
    refused = cli("conflicts", "--restore", str(listed[0]["id"]))
    assert refused.returncode == 2 and "clash" in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert cli("conflicts", "--keep", str(listed[0]["id"])).returncode == 0
    assert json.loads(cli("conflicts", "--json", check=True).stdout) == []


def _merge(office: Office, signer: Office, lines: list[dict]) -> tuple[bool, int]:
    """Merge ``lines`` as one bundle of ``signer``: whether it went set-based, and how many conflicts it kept."""
    bundle = Bundle(crafted(signer, office.desk.path.with_name("merged.pdsync"), lines))
    lines, heads = list(bundle.changes()), bundle.manifest["heads"]
    bundle.close()
    with office.desk.engine.begin() as connection:
        merger = Merger(
            connection,
            signer.device_id,
            trust.origins(connection, office.desk.identity),
            trust.keys(connection, office.desk.identity),
            office.desk.identity["device_id"],
        )
        merger.merge(iter(lines), heads)
        merger.retry_held_back()
        counts = merger.finish()
        return merger.set_based, sum(counts.conflicts.values())


@pytest.mark.parametrize("line_by_line", [False, True], ids=["set-based", "line-by-line"])
def test_both_merge_paths_keep_a_clash(pair, line_by_line):
    unodc, kz = pair
    seq = next_seq(kz) + 500
    record = "33333333-3333-3333-3333-333333333333"
    values = [
        ("owner", "KZ"),
        ("type", "webinar"),
        ("title", "T"),
        ("start_date", "2025-01-10"),
        ("participants_total", 3),
        ("participants_women", 4),
    ]
    lines = [change(kz, seq + i, record, field, value) for i, (field, value) in enumerate(values)]
    if line_by_line:  # a line for a record not held here takes the line-by-line rules
        lines.append(change(kz, seq + len(values), "44444444-4444-4444-4444-444444444444", "title", "T2"))
    set_based, conflicts = _merge(unodc, kz, lines)
    assert set_based is not line_by_line and conflicts == 1
    [clash] = api.list_conflicts(unodc.desk)
    assert clash["rule"] == "women_and_men_within_total"
