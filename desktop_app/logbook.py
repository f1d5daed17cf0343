"""The program's log: one plain line for each thing a person may ask about afterwards.

"What happened to that file on Tuesday?" The log answers in lines such as::

    2026-12-06 09:14:02 INFO migration: /home/aigul/platform-desk.db from schema 0004 to 0006, backup .../backups/…
    2026-12-06 11:40:57 INFO import: kz-to-all.pdsync from "Astana laptop" (a1b2…): 12 applied, 0 conflicts
    2026-12-06 11:41:03 WARNING refused: old.pdsync: the signature does not match

Each kind of event has its function here, so every caller writes the same line; the file rotates
(1 MB, three old files kept) in the log folder (``paths.log_file``). Nothing is printed: the command
line and the window say what the user must know, the log keeps it. Lines are in English, for whoever
is asked to read them, and hold no passphrase and no record content beyond file and installation names.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path

from desktop_app import paths
from desktop_app.errors import one_line

log = logging.getLogger("platform_desk")
MAX_BYTES = 1_000_000
KEPT_FILES = 3


def setup() -> None:
    """Write the log to its rotating file (once per process); never to the terminal."""
    logging.lastResort = None
    if log.handlers:  # already set up (main called again in one process)
        return
    handler: logging.Handler
    try:
        paths.log_file().parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(paths.log_file(), maxBytes=MAX_BYTES, backupCount=KEPT_FILES, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{number} {name}" for name, number in counts.items()) or "nothing"


def migration(database: Path | str, old: str | None, new: str, backup: Path | None) -> None:
    """The schema of ``database`` was brought from revision ``old`` (None: a new file) to ``new``."""
    if old is None:
        log.info("migration: %s created at schema %s", database, new)
    else:
        log.info("migration: %s from schema %s to %s, backup %s", database, old, new, backup)


def backup(database: Path | str, copy: Path, reason: str) -> None:
    log.info("backup: %s copied to %s (%s)", database, copy, reason)


def restore(database: Path | str, source: Path, safety: Path) -> None:
    log.info("restore: %s replaced by %s; its state before is in %s", database, source, safety)


def encryption_changed(database: Path, change: str, left: list[Path]) -> None:
    """``change``: encrypted, decrypted or new passphrase; ``left``: backups another passphrase keeps."""
    kept = f"; {len(left)} backups left under another passphrase" if left else ""
    log.info("encryption: %s %s, with its backups%s", database, change, kept)


def imported(file: Path, sender: str, fingerprint: str, counts: Mapping[str, int]) -> None:
    """A bundle was imported: who sent it and what it did (e.g. applied, conflicts, held)."""
    log.info('import: %s from "%s" (%s): %s', file.name, one_line(sender), fingerprint, _counts(counts))


def refused(files: Sequence[Path], reason: str) -> None:
    """Files were refused whole; ``reason`` is the message the user saw. The line names the file once: as the
    message does when it begins with the name of one of ``files`` (most do), else all their names before it."""
    reason = one_line(reason)
    names = [one_line(file.name) for file in files]
    if any(reason.startswith(f"{name}: ") for name in names):
        log.warning("refused: %s", reason)
    else:
        log.warning("refused: %s: %s", ", ".join(names) or "-", reason)


def exported(file: Path, recipients: str, counts: Mapping[str, int]) -> None:
    log.info("export: %s for %s: %s", file.name, one_line(recipients), _counts(counts))


def trust(device: str, name: str, fingerprint: str, decision: str) -> None:
    """A trust decision on another installation: confirmed, vouched for, revoked, forgotten…"""
    log.info('trust: %s "%s" (%s) %s', device, one_line(name), fingerprint, decision)


def error(message: str) -> None:
    """A failure the user was told about in one line (a refused input, a busy or full disk)."""
    log.warning("error: %s", one_line(message))


def unexpected(where: str, failure: BaseException) -> None:
    """A bug: its traceback goes to the log, while the user sees one line naming the log file."""
    log.error("unexpected error in %s", where, exc_info=failure)
