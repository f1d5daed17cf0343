"""Shared fixtures: real SQLite files in temporary folders, the real command line in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One data folder for the session (databases made by module-scoped fixtures mark their computer there), and
# one folder of installation markers shared by every test's own data folder: this is one computer.
os.environ.setdefault("PLATFORM_DESK_DATA", tempfile.mkdtemp(prefix="pd-session-"))
MACHINE_MARKERS = Path(os.environ["PLATFORM_DESK_DATA"]) / "installations"
MACHINE_MARKERS.mkdir(exist_ok=True)

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _private_data_folder(tmp_path_factory, monkeypatch):
    """Settings and logs go to a temporary folder, never the real user's."""
    folder = tmp_path_factory.mktemp("userdata")
    (folder / "installations").symlink_to(MACHINE_MARKERS, target_is_directory=True)
    monkeypatch.setenv("PLATFORM_DESK_DATA", str(folder))
    monkeypatch.setenv("LANGUAGE", "en")
    from desktop_app import i18n

    i18n.set_language("en")
    yield folder
    i18n.set_language("en")


class Cli:
    """Runs ``python -m desktop_app`` as a user would, against one database."""

    def __init__(self, db):
        self.db = db

    def __call__(self, *args, db=None, check=False, input=None):
        command = [sys.executable, "-m", "desktop_app", "--db", str(db or self.db), *map(str, args)]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            encoding="utf-8",
            input=input,
            timeout=300,
            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def put(self, kind, **values):
        return self("put", kind, "--json", json.dumps(values), check=True).stdout.strip().splitlines()[-1]

    def dump(self, db=None):
        return self("dump", db=db, check=True).stdout


@pytest.fixture
def make_desk(tmp_path):
    """Create a database through the domain layer: ``make_desk("kz", role=..., country=...)``."""
    from desktop_app.domain.desk import Desk

    opened = []

    def make(name="kz", role="delegation", country="KZ"):
        desk = Desk.create(tmp_path / f"{name}.db", name, role, country if role == "delegation" else None)
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.close()


@pytest.fixture
def desk(make_desk):
    return make_desk()


@pytest.fixture
def cli(tmp_path):
    db = tmp_path / "cli.db"
    runner = Cli(db)
    runner("init", "--device-name", "kz-laptop", "--role", "delegation", "--country", "KZ", check=True)
    return runner


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for this test run, on a temporary data folder and a free loopback port
    (``desktop_app.tools.local_postgres``); the tests that need one are skipped, saying why, where none can start."""
    import shutil
    import socket
    import tempfile
    from pathlib import Path

    from desktop_app.tools import local_postgres

    reason = local_postgres.unavailable_reason()
    if reason:
        pytest.skip(f"no PostgreSQL server for the tests: {reason}")
    folder = Path(tempfile.mkdtemp(prefix="pd-postgres-"))  # outside pytest's root-only folders: the server's own
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        url = local_postgres.start(folder, port=port, database="postgres")
    except subprocess.CalledProcessError as error:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"no PostgreSQL server for the tests: {error.stderr.strip()}")
    yield url
    local_postgres.stop(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(postgres_server):
    """The URL of a new, empty database on the test server: ``postgresql://desk@127.0.0.1:PORT/test_N``."""
    return new_server_database(postgres_server)


def new_server_database(maintenance_url: str) -> str:
    """A new, empty database on the server of ``maintenance_url``, and its URL."""
    import uuid

    from desktop_app.tools import local_postgres

    name = "test_" + uuid.uuid4().hex[:12]
    local_postgres.create_database(maintenance_url, name)
    return maintenance_url.rsplit("/", 1)[0] + "/" + name


SERVER_PASSWORD = "Kl3rk-pass"


@pytest.fixture
def password_url(postgres_server, pg_url):
    """``pg_url`` for a role that must give the password ``SERVER_PASSWORD`` (scram-sha-256 on loopback), without
    it in the URL: for PGPASSWORD, ~/.pgpass and the prompts."""
    import uuid
    from pathlib import Path

    import psycopg

    role = "clerk_" + uuid.uuid4().hex[:8]
    database = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        folder = Path(connection.execute("SHOW data_directory").fetchone()[0])
        connection.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{SERVER_PASSWORD}'")
        connection.execute(f'ALTER DATABASE "{database}" OWNER TO {role}')
        rules = folder / "pg_hba.conf"
        original = rules.read_text()
        rules.write_text(f"host all {role} 127.0.0.1/32 scram-sha-256\n" + original)
        connection.execute("SELECT pg_reload_conf()")
    yield pg_url.replace("//desk@", f"//{role}@")
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        rules.write_text(original)
        connection.execute("SELECT pg_reload_conf()")
