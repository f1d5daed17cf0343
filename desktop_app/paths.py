"""Where the program finds its own files and keeps the user's data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "PlatformDesk"


def install_root() -> Path:
    """The folder holding ``resources/`` and ``translations/``: the project, or the frozen bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    return install_root() / "resources"


def translations_dir() -> Path:
    return install_root() / "translations"


def data_dir() -> Path:
    """The user's data folder; beside the program in the portable build (``PLATFORM_DESK_PORTABLE``)."""
    if os.environ.get("PLATFORM_DESK_DATA"):
        return Path(os.environ["PLATFORM_DESK_DATA"])
    if getattr(sys, "frozen", False) and (Path(sys.executable).parent / "portable.txt").exists():
        return Path(sys.executable).parent / "data"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "platform-desk.db"


def log_file() -> Path:
    """The rotating log a user can send when something goes wrong (written by ``cli.main.setup_logging``)."""
    return data_dir() / "logs" / "platform-desk.log"


def licenses_dir() -> Path:
    """The full texts of the licences of what ships inside the program."""
    return resources_dir() / "licenses"


SERVER_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def is_server_url(target) -> bool:
    """Whether a ``--db`` value names a database on a PostgreSQL server (SPEC §6) rather than a file."""
    return isinstance(target, str) and target.lower().startswith(SERVER_SCHEMES)
