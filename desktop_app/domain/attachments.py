"""Attachments: a file's content is kept once per SHA-256 in ``blobs``; the record says which event it belongs to."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from sqlalchemy import select

from desktop_app.domain import progress
from desktop_app.domain.desk import Desk, put_record
from desktop_app.errors import InputError, NotFoundError
from desktop_app.i18n import _
from desktop_app.storage import server
from desktop_app.storage.models import Blob

MAX_ATTACHMENT_BYTES = 50_000_000


def _read_and_hash(path: Path, size: int) -> tuple[bytes, str]:
    """The file's content and SHA-256, read a megabyte at a time (reported to the running operation)."""
    chunks, hasher, done = [], hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            chunks.append(chunk)
            hasher.update(chunk)
            done += len(chunk)
            progress.checkpoint(path.name, done, size)
    return b"".join(chunks), hasher.hexdigest()


def add_attachment(desk: Desk, event_id: str, path: Path) -> str:
    """Store the file's content (once per SHA-256) and an attachment record for the event; returns its id."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            raise InputError(
                _("{name} is larger than {limit} MB").format(name=path.name, limit=MAX_ATTACHMENT_BYTES // 1_000_000)
            )
        content, digest = _read_and_hash(path, size)
    except OSError as error:
        raise InputError(_("Cannot read {path}: {reason}").format(path=path, reason=error.strerror)) from None
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    with desk.writing() as writer:
        statement = server.upsert(Blob.__table__, writer.connection).values(sha256=digest, content=content)
        writer.connection.execute(statement.on_conflict_do_nothing(index_elements=["sha256"]))
        return put_record(
            writer,
            "attachment",
            {
                "event_id": event_id,
                "filename": path.name,
                "media_type": media_type,
                "size": len(content),
                "sha256": digest,
            },
        )


def attachment_content(desk: Desk, sha256: str) -> bytes:
    """The stored content of an attachment; NotFoundError when it has not arrived (yet)."""
    with desk.engine.connect() as connection:
        content = connection.execute(select(Blob.content).where(Blob.sha256 == sha256)).scalar()
    if content is None:
        raise NotFoundError(_("The content of this attachment is not on this computer"))
    return content
