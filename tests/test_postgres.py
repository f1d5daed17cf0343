"""The secretariat on a PostgreSQL server (SPEC §6): the same commands, schema, dump and change log as on a file.

Every test here runs against a real server that the tests start themselves (``postgres_server`` in conftest).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import create_engine, inspect, select, text

from desktop_app.domain.desk import Desk
from desktop_app.domain.reading import Reader
from desktop_app.storage import database, server
from desktop_app.storage.models import Change, Event, Knowledge
from tests.conftest import Cli


def _init(cli: Cli, *extra) -> None:
    cli("init", "--device-name", "UNODC Tashkent", "--role", "secretariat", *extra, check=True)


def test_every_record_command_works_on_a_server_database(pg_url):
    cli = Cli(pg_url)
    _init(cli)
    event = cli.put(
        "event", type="webinar", title="Вебинар по возврату активов", start_date="2025-03-04", parties=["KZ", "UZ"]
    )
    person = cli.put("person", full_name="Айгерим Садыкова", gender="female")
    cli.put("participation", event_id=event, person_id=person, role="speaker")
    assert json.loads(cli("get", event, check=True).stdout)["parties"] == ["KZ", "UZ"]
    assert [r["id"] for r in json.loads(cli("list", "person", "--json", check=True).stdout)] == [person]
    assert cli("list", "event", check=True).stdout.startswith(event)
    assert len(cli.dump().splitlines()) == 3
    cli("delete", person, check=True)
    assert len(cli.dump().splitlines()) == 1  # the person and their participation are gone
    peers = json.loads(cli("peers", "--json", check=True).stdout)
    assert [(p["device_name"], p["role"], p["self"]) for p in peers] == [("UNODC Tashkent", "secretariat", True)]
    assert cli("get", person).returncode == 2


def test_sync_commands_work_on_a_server_database(pg_url, tmp_path):
    """export, import (with a first contact), conflicts, held and peers through the real command line."""
    server, kz = Cli(pg_url), Cli(tmp_path / "kz.db")
    _init(server)
    kz("init", "--device-name", "KZ laptop", "--role", "delegation", "--country", "KZ", check=True)
    meeting = kz.put("event", type="bilateral_meeting", title="KZ–UZ", start_date="2025-05-01", parties=["KZ", "UZ"])
    kz_fingerprint = json.loads(kz("peers", "--json", check=True).stdout)[0]["fingerprint"]
    kz("export", "--out", tmp_path / "kz.pdsync", check=True)
    imported = server("import", tmp_path / "kz.pdsync", "--trust", kz_fingerprint, check=True)
    assert json.loads(imported.stdout)["new"] == 1
    assert json.loads(server("get", meeting, check=True).stdout)["title"] == "KZ–UZ"
    server.put("event", id=meeting, city="Astana")
    kz.put("event", id=meeting, city="Almaty")  # the same field, unseen: a conflict at the secretariat
    kz("export", "--out", tmp_path / "kz2.pdsync", check=True)
    assert json.loads(server("import", tmp_path / "kz2.pdsync", check=True).stdout)["conflicts"] == 1
    assert len(json.loads(server("conflicts", "--json", check=True).stdout)) == 1
    assert json.loads(server("held", "--json", check=True).stdout) == []
    server_fingerprint = json.loads(server("peers", "--json", check=True).stdout)[0]["fingerprint"]
    kz_id = [p["device_id"] for p in json.loads(server("peers", "--json", check=True).stdout) if not p["self"]][0]
    server("export", "--to", kz_id, "--out", tmp_path / "back.pdsync", check=True)
    kz("import", tmp_path / "back.pdsync", "--trust", server_fingerprint, check=True)
    assert kz.dump() == server.dump()


def test_a_second_init_on_the_same_server_database_is_refused(pg_url):
    cli = Cli(pg_url)
    _init(cli)
    again = cli("init", "--device-name", "Other", "--role", "secretariat")
    assert again.returncode == 2
    assert "already holds a Platform Desk installation" in again.stderr and "Traceback" not in again.stderr


def test_an_unreachable_or_malformed_server_is_one_line_with_exit_2(postgres_server, tmp_path):
    port = postgres_server.rsplit(":", 1)[1].split("/")[0]
    missing = Cli(f"postgresql://desk@127.0.0.1:{port}/no_such_database")("list", "event")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert "no_such_database" in missing.stderr
    empty = Cli("postgresql://desk@127.0.0.1:1/x")("list", "event")
    assert empty.returncode == 2 and "Cannot open the server database" in empty.stderr
    malformed = Cli("postgresql://desk@127.0.0.1")("list", "event")
    assert malformed.returncode == 2 and "postgresql://user@host[:port]/dbname" in malformed.stderr


def test_the_password_is_never_shown_or_remembered():
    url = "postgresql://clerk:s3cret@db.office:5433/platform"
    assert server.display(url) == "postgresql://clerk@db.office:5433/platform"
    assert "s3cret" not in str(server.local_folder(url))


def test_the_migrations_make_the_same_schema_on_both_back_ends(pg_url, tmp_path):
    Desk.create(pg_url, "server", "secretariat").close()
    Desk.create(tmp_path / "file.db", "file", "secretariat").close()

    def schema(engine):
        found = inspect(engine)
        return {t: sorted(c["name"] for c in found.get_columns(t)) for t in found.get_table_names()}

    on_server, on_file = create_engine(server.parse(pg_url)), create_engine(f"sqlite:///{tmp_path / 'file.db'}")
    try:
        assert schema(on_server) == schema(on_file)
        assert "user" in schema(on_server)["changes"]
        with on_server.connect() as connection:
            assert database.current_revision(connection) == database.SCHEMA_HEAD
    finally:
        on_server.dispose()
        on_file.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request, tmp_path):
    """A migrated database on each back end, for the SQL that the two spell differently."""
    target = tmp_path / "file.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    desk = Desk.create(target, "either", "secretariat")
    yield desk.engine
    desk.close()


def test_each_dialect_difference_works_on_both_back_ends(any_engine):
    table = Knowledge.__table__
    with any_engine.begin() as connection:
        statement = server.upsert(table, connection)
        statement = statement.on_conflict_do_update(index_elements=["device_id"], set_={"seq": statement.excluded.seq})
        connection.execute(statement, [{"device_id": "d1", "seq": 1}])
        connection.execute(statement, [{"device_id": "d1", "seq": 7}])
        marks = server.driver_marks(connection, 2)
        connection.exec_driver_sql(f"INSERT INTO knowledge (device_id, seq) VALUES ({marks})", [("d2", 3)])
        held = dict(connection.execute(select(table.c.device_id, table.c.seq)).all())
        assert (held["d1"], held["d2"]) == (7, 3)
        assert server.session_user(connection)
        assert server.has_table(connection, "knowledge") and not server.has_table(connection, "nothing_here")

        dialect = connection.dialect.name

        def value(sql: str):
            return connection.exec_driver_sql(f"SELECT {sql}").scalar()

        assert value(server.json_string_sql(dialect, "'a-1.B'")) == '"a-1.B"'
        vector = """'{"d1": 7}'"""
        assert (
            value(server.json_member_sql(dialect, vector, "'d1'")),
            value(server.json_member_sql(dialect, vector, "'x'")),
        ) == (7, None)
        assert value(server.json_scalar_sql(dialect, """'"KZ"'""")) == "KZ"
        assert value(server.json_is_string_sql(dialect, """'"KZ"'""")) in (True, 1)
        assert value(server.json_is_string_sql(dialect, "'12'")) in (False, 0)
        women = Event.__table__.c.participants_women
        assert value(server.typed_sql(dialect, server.json_scalar_sql(dialect, "'12'"), women)) == 12
        elements = connection.exec_driver_sql(server.json_elements_sql(dialect, """'["KZ", "UZ"]'""")).scalars().all()
        assert elements == ["KZ", "UZ"]
        connection.exec_driver_sql(f"CREATE TEMP TABLE numbered (n {server.autonumber_sql(dialect)}, x TEXT)")
        connection.exec_driver_sql("INSERT INTO numbered (x) VALUES ('a'), ('b')")
        assert connection.exec_driver_sql("SELECT n, x FROM numbered ORDER BY n").all() == [(1, "a"), (2, "b")]
        cursor = server.driver_cursor(connection)
        server.insert_rows(cursor, "knowledge", ("device_id", "seq"), [("d3", 1), ("d4", 2)])
        assert cursor.execute("SELECT seq FROM knowledge WHERE device_id = ?", ("d4",)).fetchone()[0] == 2


def test_each_change_records_who_made_it_and_the_history_shows_it(pg_url, tmp_path):
    desk = Desk.create(pg_url, "server", "secretariat")
    person = desk.put("person", {"full_name": "Nodira Yusupova"})
    desk.put("person", {"id": person, "organization": "Anti-Corruption Agency"})
    with desk.engine.connect() as connection:
        assert set(connection.execute(select(Change.user)).scalars()) == {"desk"}  # the server role
    reader = Reader(desk)
    history = reader.history(person)
    reader.close()
    assert [(c["field"], c["value"], c["installation"], c["user"]) for c in history[:1]] == [
        ("organization", "Anti-Corruption Agency", "server", "desk")
    ]
    desk.close()
    file_desk = Desk.create(tmp_path / "file.db", "file", "secretariat")
    file_desk.put("person", {"full_name": "Nodira Yusupova"})
    with file_desk.engine.connect() as connection:
        users = set(connection.execute(select(Change.user)).scalars())
    file_desk.close()
    assert len(users) == 1 and next(iter(users))  # the operating-system user


def test_migrate_to_copies_a_secretariat_with_identity_and_change_log(pg_url, tmp_path):
    source = Cli(tmp_path / "secretariat.db")
    _init(source, "--demo")
    event = source.put(
        "event", type="bilateral_meeting", title="Встреча KZ–UZ", start_date="2025-05-06", parties=["KZ", "UZ"]
    )
    moved = source("migrate-to", pg_url)
    assert moved.returncode == 0, moved.stderr
    on_server = Cli(pg_url)
    assert on_server.dump() == source.dump()
    assert on_server("peers", "--json", check=True).stdout == source("peers", "--json", check=True).stdout
    for cli, name in ((source, "file.json"), (on_server, "server.json")):
        cli("report", "--year", "2024", "--format", "json", "--out", tmp_path / name, check=True)
    assert (tmp_path / "file.json").read_bytes() == (tmp_path / "server.json").read_bytes()
    # The log continues where the file's stopped: the next change takes the next number, no gap, no reuse.
    on_server("put", "event", "--json", json.dumps({"id": event, "status": "held"}), check=True)
    desk = Desk.open(pg_url)
    try:
        with desk.engine.connect() as connection:
            seqs = (
                connection.execute(
                    select(Change.seq).where(Change.device_id == desk.identity["device_id"]).order_by(Change.seq)
                )
                .scalars()
                .all()
            )
    finally:
        desk.close()
    assert seqs == list(range(1, len(seqs) + 1))
    again = source("migrate-to", pg_url)
    assert again.returncode == 2 and "already holds" in again.stderr


def test_a_server_database_is_backed_up_to_a_file_that_restores_it(pg_url, postgres_server, tmp_path):
    cli = Cli(pg_url)
    _init(cli, "--demo")
    desk = Desk.open(pg_url)
    try:
        copy = database.backup(desk.engine, desk.path, "manual")
    finally:
        desk.close()
    assert copy.suffix == ".db" and copy.exists()
    assert Cli(copy).dump() == cli.dump()  # the backup is itself a database the program opens
    from desktop_app.tools import local_postgres

    restored_url = postgres_server.rsplit("/", 1)[0] + "/restored_" + os.urandom(4).hex()
    local_postgres.create_database(postgres_server, restored_url.rsplit("/", 1)[1])
    assert Cli(copy)("migrate-to", restored_url).returncode == 0
    assert Cli(restored_url).dump() == cli.dump()
    assert (
        json.loads(Cli(restored_url)("peers", "--json", check=True).stdout)[0]["fingerprint"]
        == json.loads(cli("peers", "--json", check=True).stdout)[0]["fingerprint"]
    )


WRITER = textwrap.dedent("""
    import sys
    from desktop_app.domain.desk import Desk

    desk = Desk.open(sys.argv[1])
    for n in range(int(sys.argv[3])):
        desk.put("person", {"full_name": f"{sys.argv[2]} {n:05d}"})
    desk.close()
""")


def test_two_processes_writing_at_once_lose_nothing_and_share_no_number(pg_url):
    Desk.create(pg_url, "secretariat", "secretariat").close()
    writes = 2000
    environment = dict(os.environ, PYTHONPATH=os.getcwd())
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, pg_url, name, str(writes)],
            env=environment,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("Alisher", "Gulnara")
    ]
    for writer in writers:
        assert writer.wait(timeout=600) == 0, writer.stderr.read()
    desk = Desk.open(pg_url)
    try:
        names = [json.loads(line)["full_name"] for line in desk.dump()]
        with desk.engine.connect() as connection:
            seqs = connection.execute(select(Change.seq).order_by(Change.seq)).scalars().all()
            next_seq = connection.execute(text("SELECT next_seq FROM installation")).scalar()
    finally:
        desk.close()
    assert sorted(names) == sorted(f"{who} {n:05d}" for who in ("Alisher", "Gulnara") for n in range(writes))
    assert seqs == list(range(1, len(seqs) + 1)) and next_seq == len(seqs) + 1  # one number each, no gap


def test_an_import_and_local_edits_at_once_both_land(pg_url, tmp_path):
    """One staff member imports a bundle while another writes: both take the installation's row lock in turn."""
    sender = Desk.create(tmp_path / "kz.db", "KZ laptop", "delegation", "KZ")
    sender.put_many(("person", {"full_name": f"Участник {n:04d}"}) for n in range(1500))
    bundle = tmp_path / "kz.pdsync"
    from desktop_app.sync import api

    api.export_bundle(sender, bundle)
    fingerprint = sender.fingerprint
    sender.close()
    Desk.create(pg_url, "secretariat", "secretariat").close()
    environment = dict(os.environ, PYTHONPATH=os.getcwd(), QT_QPA_PLATFORM="offscreen")
    importer = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "--db", pg_url, "import", str(bundle), "--trust", fingerprint],
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, pg_url, "Staff", "300"], env=environment, stderr=subprocess.PIPE, text=True
    )
    assert importer.wait(timeout=600) == 0, importer.stderr.read()
    assert writer.wait(timeout=600) == 0, writer.stderr.read()
    desk = Desk.open(pg_url)
    try:
        names = {json.loads(line)["full_name"] for line in desk.dump()}
    finally:
        desk.close()
    assert {f"Участник {n:04d}" for n in range(1500)} | {f"Staff {n:05d}" for n in range(300)} == names


def test_restoring_a_backup_in_place_brings_back_the_server_database(pg_url):
    from desktop_app.domain.backups import restore_backup

    desk = Desk.create(pg_url, "UNODC Tashkent", "secretariat")
    try:
        kept = desk.put("event", {"type": "webinar", "title": "Kept", "start_date": "2025-01-01"})
        before = list(desk.dump())
        saved = database.backup(desk.engine, desk.path, "manual")
        desk.put("event", {"id": kept, "title": "Changed after the backup"})
        desk.put("person", {"full_name": "Added after the backup"})
        seq_before_restore = desk.identity["next_seq"]
        safety = restore_backup(desk, saved)
        assert list(desk.dump()) == before
        assert desk.identity["next_seq"] == seq_before_restore  # numbers already used are never given again
        assert len(list(Cli(safety).dump().splitlines())) == 2  # the state just before the restore was saved
        desk.put("person", {"full_name": "Written after the restore"})
    finally:
        desk.close()


def test_the_password_comes_from_pgpassword_or_pgpass_and_is_never_stored(password_url, monkeypatch, tmp_path):
    from tests.conftest import SERVER_PASSWORD

    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    cli = Cli(password_url)
    refused = cli("init", "--device-name", "UNODC", "--role", "secretariat", input="")
    assert refused.returncode == 2 and "needs a password" in refused.stderr and "PGPASSWORD" in refused.stderr
    monkeypatch.setenv("PGPASSWORD", "wrong")
    assert cli("list", "event", input="").returncode == 2
    monkeypatch.setenv("PGPASSWORD", SERVER_PASSWORD)
    _init(cli)
    monkeypatch.delenv("PGPASSWORD")
    url = server.parse(password_url)
    pgpass = tmp_path / ".pgpass"
    pgpass.write_text(f"127.0.0.1:{url.port}:*:{url.username}:{SERVER_PASSWORD}\n")
    pgpass.chmod(0o600)
    assert json.loads(cli("peers", "--json", input="", check=True).stdout)[0]["device_name"] == "UNODC Tashkent"
    settings = os.environ["PLATFORM_DESK_DATA"]
    assert not any(
        SERVER_PASSWORD in p.read_text(errors="ignore")
        for p in __import__("pathlib").Path(settings).rglob("*")
        if p.is_file() and p.suffix != ".db"
    )


def test_opening_an_older_server_database_backs_it_up_and_upgrades_it(pg_url):
    desk = Desk.create(pg_url, "secretariat", "secretariat")
    desk.put("person", {"full_name": "Written under the older schema"})
    with desk.engine.begin() as connection:  # back to the schema before this version's migration
        connection.execute(text('ALTER TABLE changes DROP COLUMN "user"'))
        connection.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    desk.close()
    desk = Desk.open(pg_url)
    try:
        with desk.engine.connect() as connection:
            assert database.current_revision(connection) == database.SCHEMA_HEAD
        assert [json.loads(line)["full_name"] for line in desk.dump()] == ["Written under the older schema"]
        saved = database.list_backups(desk.path)
        assert len(saved) == 1 and saved[0].name.endswith(f"before-{database.SCHEMA_HEAD}.db")
        old = create_engine(f"sqlite:///{saved[0]}")
        with old.connect() as connection:
            assert database.current_revision(connection) == "0009"  # the backup keeps the schema it was taken at
        old.dispose()
    finally:
        desk.close()
