"""The command line of SPEC §5, run as a user runs it: a subprocess against a real database file."""

from __future__ import annotations

import json
import os
import sys

import pytest

from desktop_app import __version__


def test_version(cli):
    result = cli("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_put_get_list_dump_delete(cli):
    event = cli.put(
        "event",
        type="regional_training",
        title="Тренинг по возврату активов",
        start_date="2024-02-20",
        parties=["KZ", "UZ"],
        thematic_areas=["asset_recovery"],
    )
    record = json.loads(cli("get", event, check=True).stdout)
    assert record["id"] == event and record["kind"] == "event" and record["title"] == "Тренинг по возврату активов"
    assert record["parties"] == ["KZ", "UZ"]
    listed = json.loads(cli("list", "event", "--json", check=True).stdout)
    assert [e["id"] for e in listed] == [event]
    assert event in cli("list", "event", check=True).stdout
    first = cli.dump()
    assert first == cli.dump() and json.loads(first.splitlines()[0])["id"] == event
    cli("delete", event, check=True)
    assert json.loads(cli("list", "event", "--json", check=True).stdout) == []
    assert cli("get", event).returncode == 2


@pytest.mark.parametrize(
    "kind, payload, word",
    [
        ("event", "{not json", "JSON"),
        ("meeting", '{"title": "x"}', "KIND"),
        ("event", '{"type": "webinar", "start_date": "2025-03-01"}', "title"),
        ("event", '{"type": "webinar", "title": "x", "start_date": "2025-03-01", "size": 3}', "size"),
        ("event", '{"type": "webinar", "title": "x", "start_date": 20250301}', "start_date"),
        ("event", '{"type": "seminar", "title": "x", "start_date": "2025-03-01"}', "type"),
        (
            "event",
            '{"type": "webinar", "title": "x", "start_date": "2025-03-02", "end_date": "2025-03-01"}',
            "end_date",
        ),
        (
            "event",
            '{"type": "webinar", "title": "x", "start_date": "2025-03-01", "participants_total": 3,'
            ' "participants_women": 2, "participants_men": 2}',
            "participants_total",
        ),
        ("participation", '{"event_id": "nope", "person_id": "nope"}', "event_id"),
        ("event", '{"id": "nope", "title": "x"}', "nope"),
        ("event", "[1, 2]", "object"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(cli, kind, payload, word):
    before = cli.dump()
    result = cli("put", kind, "--json", payload)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and word in lines[0] and "Traceback" not in result.stderr
    assert cli.dump() == before


def test_unknown_ids_are_exit_2(cli):
    assert cli("get", "no-such-id").returncode == 2
    assert cli("delete", "no-such-id").returncode == 2


def test_database_in_missing_or_read_only_folder(tmp_path, cli):
    missing = tmp_path / "nowhere" / "x.db"
    result = cli("init", "--device-name", "a", "--role", "secretariat", db=missing)
    assert result.returncode == 2 and "nowhere" in result.stderr
    assert cli("list", "event", db=missing).returncode == 2


@pytest.mark.skipif(
    os.geteuid() == 0,
    reason="root writes into a read-only folder (the read-only medium test of "
    "test_exit_codes covers root with a mount)",
)
def test_database_in_a_read_only_folder_is_refused(tmp_path, cli):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = cli("init", "--device-name", "a", "--role", "secretariat", db=locked / "x.db")
    assert result.returncode == 2 and "read-only" in result.stderr


def test_init_refuses_to_overwrite_and_checks_its_arguments(cli, tmp_path):
    assert cli("init", "--device-name", "again", "--role", "secretariat").returncode == 2
    assert cli("init", "--device-name", "x", "--role", "delegation", db=tmp_path / "n.db").returncode == 2
    assert cli("init", "--device-name", "x", "--role", "king", db=tmp_path / "n.db").returncode == 2


def test_runs_as_a_module_and_without_db_uses_the_data_folder(tmp_path):
    import subprocess

    env = dict(os.environ, PLATFORM_DESK_DATA=str(tmp_path / "data"))

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "desktop_app", *args], capture_output=True, text=True, env=env, timeout=120
        )

    assert run("init", "--device-name", "unodc", "--role", "secretariat").returncode == 0
    assert (tmp_path / "data" / "platform-desk.db").exists()
    assert run("list", "event").returncode == 0


def test_demo_record_matches_the_published_figures(tmp_path):
    from tests.conftest import Cli

    cli = Cli(tmp_path / "demo.db")
    cli("init", "--device-name", "demo", "--role", "secretariat", "--demo", check=True)
    events = json.loads(cli("list", "event", "--json", check=True).stdout)
    trainings = [e for e in events if e["type"] == "regional_training" and e["start_date"].startswith("2024")]
    assert len(trainings) == 10
    assert sum(e["participants_total"] for e in trainings) >= 900
    assert sum(e["international_experts"] for e in trainings) == 30
    conference = next(e for e in events if e["type"] == "conference" and e["start_date"] == "2024-10-30")
    assert conference["city"] == "Astana" and conference["participants_total"] >= 150
    bilaterals = [e for e in events if e["type"] == "bilateral_meeting" and e["parent_id"] == conference["id"]]
    assert len(bilaterals) == 12 and all(len(e["parties"]) == 2 for e in bilaterals)
    iaca = next(e for e in trainings if "IACA" in e["title"])
    assert iaca["parent_id"] == conference["id"] and iaca["start_date"] == "2024-11-01"
    assert any("Dushanbe" == e["city"] and e["start_date"].startswith("2024-10") for e in trainings)
    founding = next(e for e in events if e["city"] == "Tashkent" and e["start_date"] == "2023-11-02")
    assert founding["end_date"] == "2023-11-03"
    plans = [e for e in events if e["start_date"].startswith("2025")]
    assert plans and all(e["status"] == "planned" for e in plans)
    actions = json.loads(cli("list", "action", "--json", check=True).stdout)
    assert actions and all(a["status"] == "open" for a in actions)
    assert all("llustrative" in (e["description"] or "") for e in events)


def test_demo_scale(tmp_path):
    from tests.conftest import Cli

    cli = Cli(tmp_path / "scale.db")
    cli("init", "--device-name", "bench", "--role", "secretariat", "--demo-scale", "200", check=True)
    assert len(json.loads(cli("list", "event", "--json", check=True).stdout)) == 200
    assert len(json.loads(cli("list", "participation", "--json", check=True).stdout)) == 1000
