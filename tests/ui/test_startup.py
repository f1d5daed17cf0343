"""Start-up: the window is shown, saying "Loading…", before SQLAlchemy is imported or the database opened;
the database then opens off the GUI thread and the first page replaces "Loading…"."""

from __future__ import annotations

import os
import subprocess
import sys

# Runs the real program (``main``), and reports what the window shows when it appears and when it is ready.
_WATCHED_START = """
import sys
from desktop_app.ui import app

open_main = app.Windows.open_main

def watched(self, desk=None):
    window = open_main(self, desk)
    print("shown:", window.loading.text(), "sqlalchemy" in sys.modules, window.navigation.isEnabled(), flush=True)
    window.ready.connect(
        lambda: print("ready:", type(window.current_page()).__name__, window.navigation.isEnabled(), flush=True)
    )
    return window

app.Windows.open_main = watched
from desktop_app.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def _start(db, *extra):
    return subprocess.run(
        [sys.executable, "-c", _WATCHED_START, "--db", str(db), "--smoke", *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )


def test_the_window_shows_loading_before_the_database_then_its_first_page(demo_db):
    result = _start(demo_db, "--lang", "ru")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # shown in Russian, with nothing to click yet, and SQLAlchemy not imported
    assert "shown: Загрузка… False False" in lines
    assert "ready: EventsPage True" in lines
    assert any(line.startswith("smoke: window shown at ") for line in lines)
    assert lines.index("shown: Загрузка… False False") < lines.index("ready: EventsPage True")


def test_a_file_that_is_no_database_is_told_after_the_window_appeared(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database at all" * 100)
    result = _start(bad)
    assert result.returncode == 2, result.stderr
    assert "shown: Loading… False False" in result.stdout.splitlines()
    assert "is not a Platform Desk database" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_window_opens_a_server_database_the_same_way(pg_url):
    from desktop_app.domain.desk import Desk

    Desk.create(pg_url, "UNODC secretariat", "secretariat").close()
    result = _start(pg_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "shown: Loading… False False" in lines and "ready: EventsPage True" in lines
