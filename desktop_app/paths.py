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


def _chosen_data_dir() -> Path | None:
    """The data folder set by ``PLATFORM_DESK_DATA`` or by the portable build (``portable.txt``), if any."""
    if os.environ.get("PLATFORM_DESK_DATA"):
        return Path(os.environ["PLATFORM_DESK_DATA"])
    if getattr(sys, "frozen", False) and (Path(sys.executable).parent / "portable.txt").exists():
        return Path(sys.executable).parent / "data"
    return None


def data_dir() -> Path:
    """The user's data folder; beside the program in the portable build."""
    return _chosen_data_dir() or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "platform-desk.db"


def log_file() -> Path:
    """The rotating log (``logbook``): in platformdirs' log folder, or in ``logs/`` of a chosen data folder."""
    chosen = _chosen_data_dir()
    folder = chosen / "logs" if chosen else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    return folder / "platform-desk.log"


def licenses_dir() -> Path:
    """The full texts of the licences of what ships inside the program."""
    return resources_dir() / "licenses"


SERVER_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def is_server_url(target) -> bool:
    """Whether a ``--db`` value names a database on a PostgreSQL server (SPEC §6) rather than a file."""
    return isinstance(target, str) and target.lower().startswith(SERVER_SCHEMES)
