"""A dry run names the records an import would add or change, as they would be, and still writes nothing;
the command line's ``import --dry-run`` prints the counts of SPEC §5 as before."""

from __future__ import annotations

import json

from desktop_app.sync import api


def _listed(summary) -> list[tuple[str, str, str]]:
    return sorted((item["kind"], item["change"], item["record"]["name"]) for item in summary["records"])


def test_a_dry_run_lists_what_it_would_add_and_change_and_writes_nothing(offices):
    kz, unodc = offices["kz"], offices["unodc"]
    event = kz.desk.put(
        "event", {"type": "webinar", "title": "Webinar on asset declarations", "start_date": "2025-03-01"}
    )
    person = kz.desk.put("person", {"full_name": "Айгерим Сапарова", "country": "KZ"})
    kz.desk.put("participation", {"event_id": event, "person_id": person})
    first = kz.send().paths

    preview = unodc.receive(*first, dry_run=True)
    assert _listed(preview) == [
        ("event", "new", "Webinar on asset declarations"),
        ("participation", "new", "Айгерим Сапарова — Webinar on asset declarations"),
        ("person", "new", "Айгерим Сапарова"),
    ]
    assert unodc.dump() == [] and api.known_devices(unodc.desk) == [] and api.exchange_history(unodc.desk) == []

    unodc.receive(*first)
    kz.desk.put("event", {"id": event, "city": "Astana"})
    kz.desk.delete(person)
    again = unodc.receive(*kz.send().paths, dry_run=True)
    assert _listed(again) == [
        ("event", "updated", "Webinar on asset declarations"),
        ("participation", "updated", "Айгерим Сапарова — Webinar on asset declarations"),  # deleted with her
        ("person", "updated", "Айгерим Сапарова"),
    ]
    changed = {item["kind"]: item["record"] for item in again["records"]}
    assert changed["event"]["city"] == "Astana" and changed["person"]["deleted"]  # as they would be
    assert unodc.desk.get(event)["city"] is None and unodc.desk.get(person)  # as they are: nothing written


def test_the_command_line_dry_run_prints_the_counts_without_the_records(offices, cli):
    unodc = offices["unodc"]
    unodc.desk.put("event", {"type": "webinar", "title": "Webinar", "start_date": "2025-03-01"})
    bundle = unodc.send().paths[0]  # for every delegation, the command line's among them
    before = cli.dump()
    result = cli("import", bundle, "--dry-run", "--trust", unodc.desk.fingerprint, check=True)
    summary = json.loads(result.stdout)
    assert "records" not in summary and (summary["new"], summary["updated"], summary["dry_run"]) == (1, 0, True)
    assert {"new", "updated", "conflicts", "skipped", "refused"} <= summary.keys()
    assert cli.dump() == before
