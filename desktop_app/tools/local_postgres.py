"""A PostgreSQL server on this computer for Platform Desk: its own data folder, a loopback port, no password.

For trying the secretariat's shared database and for the tests. It uses the PostgreSQL 15+ programs found on
the PATH or in Debian's ``/usr/lib/postgresql/N/bin`` (package ``postgresql``). PostgreSQL refuses to run as
root, so under root the server runs as the ``postgres`` user (``runuser``), and the folder is made its own.

    python -m desktop_app.tools.local_postgres start FOLDER [--port 5433] [--database platform]
    python -m desktop_app.tools.local_postgres stop FOLDER

``start`` prints the URL to give ``--db``; it leaves a running server alone and creates the database if missing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

USER = "desk"  # the server role the tests and the README use; trusted on the loopback interface only
SERVICE_ACCOUNT = "postgres"
MINIMUM_VERSION = 15


def binaries() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` (PostgreSQL 15 or newer), or None."""
    candidates = []
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _number(p.parent.name), reverse=True)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists() and _version(folder) >= MINIMUM_VERSION:
            return folder
    return None


def _number(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _version(folder: Path) -> int:
    try:
        output = subprocess.run([folder / "pg_ctl", "--version"], capture_output=True, text=True).stdout
    except OSError:
        return 0
    match = re.search(r"(\d+)", output)
    return int(match.group(1)) if match else 0


def unavailable_reason() -> str | None:
    """Why no local server can be started here, or None when it can."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return 'psycopg 3 is not installed (pip install -e ".[postgres]")'
    if binaries() is None:
        return (
            f"no PostgreSQL {MINIMUM_VERSION}+ server programs (initdb, pg_ctl) on the PATH or in "
            "/usr/lib/postgresql (apt-get install postgresql)"
        )
    if _as_root() and shutil.which("runuser") is None:
        return "running as root without runuser, and PostgreSQL refuses to run as root"
    if _as_root():
        try:
            import pwd

            pwd.getpwnam(SERVICE_ACCOUNT)
        except KeyError:
            return f"running as root and there is no “{SERVICE_ACCOUNT}” user to run PostgreSQL as"
    return None


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _run(arguments: list, check: bool = True) -> subprocess.CompletedProcess:
    """Run a server program, as the service account when this is root."""
    prefix = ["runuser", "-u", SERVICE_ACCOUNT, "--"] if _as_root() else []
    return subprocess.run(prefix + [str(a) for a in arguments], capture_output=True, text=True, check=check)


def _give_to_service_account(folder: Path) -> None:
    if _as_root():
        shutil.chown(folder, SERVICE_ACCOUNT, SERVICE_ACCOUNT)
        folder.chmod(0o700)


def start(folder: Path, port: int = 5433, database: str = "platform") -> str:
    """Initialise ``folder`` if new, start the server on 127.0.0.1:``port``, create ``database``; its URL."""
    folder = Path(folder).absolute()
    tools = binaries()
    if tools is None:
        raise RuntimeError(unavailable_reason())
    if not (folder / "PG_VERSION").exists():
        folder.mkdir(parents=True, exist_ok=True)
        _give_to_service_account(folder)
        _run([tools / "initdb", "-D", folder, "-U", USER, "--auth=trust", "-E", "UTF8", "--no-locale"])
    if not running(folder):
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run([tools / "pg_ctl", "-D", folder, "-l", folder / "server.log", "-o", options, "-w", "start"])
    create_database(f"postgresql://{USER}@127.0.0.1:{port}/postgres", database)
    return f"postgresql://{USER}@127.0.0.1:{port}/{database}"


def running(folder: Path) -> bool:
    tools = binaries()
    return tools is not None and _run([tools / "pg_ctl", "-D", folder, "status"], check=False).returncode == 0


def stop(folder: Path) -> None:
    """Stop the server of ``folder`` (fast: open connections are closed)."""
    tools = binaries()
    if tools is not None and running(folder):
        _run([tools / "pg_ctl", "-D", Path(folder).absolute(), "-m", "fast", "-w", "stop"])


def create_database(maintenance_url: str, name: str) -> None:
    """Create the database ``name`` on the server of ``maintenance_url`` unless it exists."""
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m desktop_app.tools.local_postgres", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, default=5433)
    parser.add_argument("--database", default="platform")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            print(start(args.folder, args.port, args.database))
        else:
            stop(args.folder)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or ""
        print(f"local_postgres: {error} {detail.strip()}".strip(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
