"""The user's settings file (``settings.json`` in the data folder): the language, the recent databases."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_app import paths

RECENT_LIMIT = 8


def settings_file() -> Path:
    return paths.data_dir() / "settings.json"


def load() -> dict:
    try:
        data = json.loads(settings_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save(**values) -> None:
    """Set ``values`` in the file, keeping the others; a folder that cannot be written is not an error."""
    data = load() | values
    path = settings_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    except OSError:
        pass


def recent_databases() -> list[Path | str]:
    """The databases opened lately, newest first: the files that still exist, and server URLs."""
    recent = load().get("recent_databases") or []
    return [
        p if paths.is_server_url(p) else Path(p)
        for p in recent
        if isinstance(p, str) and (paths.is_server_url(p) or Path(p).exists())
    ]


def remember_database(path: Path | str) -> None:
    """Put a file or a server URL (given without its password) first in the recent list."""
    path = path if paths.is_server_url(path) else str(Path(path).absolute())
    recent = [p for p in load().get("recent_databases") or [] if p != path]
    save(recent_databases=[path, *recent][:RECENT_LIMIT])
