"""Crafting bundles by hand, as a hostile (or a careful independent) writer would.

``log_lines`` writes change lines as an author's log must hold them (salt, ``prev`` link) and returns the
head that proves them, signed with whatever key the caller holds — the author's own for an honest
line, an attacker's for a forgery. ``signed_bundle`` wraps lines in a bundle signed by an installation.
"""

from __future__ import annotations

import json
import os

from sqlalchemy import insert, select, update

from desktop_app.domain import hlc
from desktop_app.domain.changelog import canonical
from desktop_app.storage.models import Change, Installation, Link
from desktop_app.sync import bundle as fmt
from desktop_app.sync import chain

STAMP = "1700000000000.0000"


def log_end(desk, device_id: str | None = None) -> tuple[int, str]:
    """The last (seq, link) of an author's log as ``desk`` holds it (0 and the genesis link if none)."""
    device_id = device_id or desk.identity["device_id"]
    with desk.engine.connect() as connection:
        row = connection.execute(
            select(Link.seq, Link.hash).where(Link.device_id == device_id).order_by(Link.seq.desc()).limit(1)
        ).first()
    return (row.seq, row.hash) if row else (0, chain.GENESIS)


def log_lines(
    device_id: str,
    changes: list[dict],
    signing_key: bytes,
    after: tuple[int, str] = (0, chain.GENESIS),
    salt: str | None = None,
) -> tuple[list[str], dict]:
    """``changes`` (kind, record_id, field, value, and optionally hlc/context) as lines ``after`` + 1, + 2, …
    of ``device_id``'s log, and the head over the last one signed with ``signing_key``."""
    seq, prev = after
    texts = []
    for change in changes:
        seq += 1
        line = {
            "device_id": device_id,
            "seq": seq,
            "hlc": hlc.encode(hlc.wall_clock_ms(), 0),
            "salt": salt or os.urandom(16).hex(),
            **change,
        }
        prev_link = prev
        prev = chain.link(device_id, seq, prev_link, chain.digest(line))
        texts.append(canonical({**line, "prev": prev_link}))
    return texts, chain.sign_head(signing_key, device_id, seq, prev)


def own_lines(desk, changes: list[dict]) -> tuple[list[str], dict]:
    """Lines an installation could honestly send after what it holds of its own log (not written to it)."""
    me = desk.identity
    return log_lines(me["device_id"], changes, me["private_key"], log_end(desk))


def header(desk, **fields) -> dict:
    me = desk.identity
    return {
        "device_id": me["device_id"],
        "device_name": me["device_name"],
        "role": me["role"],
        "country": me["country"],
        "public_key": fmt.b64(me["public_key"]),
        "to": None,
        "base": {},
        "audience": "everyone",
        "created_at": "2025-01-01T00:00:00+00:00",
        "vector": {},
        "heads": {},
        **fields,
    }


def signed_bundle(desk, path, lines: list[str], heads: dict | None = None, passphrase=None, blobs=None, **fields):
    """A bundle signed with ``desk``'s genuine key, carrying whatever lines and heads the writer chose."""
    fmt.write_bundle(
        path, header(desk, heads=heads or {}, **fields), lines, desk.identity["private_key"], passphrase, blobs
    )
    return path


def append_to_own_log(desk, changes: list[dict]) -> tuple[list[str], dict]:
    """Write lines into an installation's own log as a modified program would: proven like any other line
    (its log stays one chain), but never checked by the domain's rules. The record tables are left as they
    were: a hostile installation's own view does not matter, what others make of its lines does. Returns
    the lines and the head that proves them."""
    lines, head = own_lines(desk, changes)
    with desk.engine.begin() as connection:
        for text in lines:
            line = json.loads(text)
            digest = chain.digest(line)
            connection.execute(
                insert(Link).values(
                    device_id=line["device_id"],
                    seq=line["seq"],
                    prev=line["prev"],
                    digest=digest,
                    hash=chain.link(line["device_id"], line["seq"], line["prev"], digest),
                )
            )
            connection.execute(
                insert(Change).values(
                    device_id=line["device_id"],
                    seq=line["seq"],
                    hlc=line["hlc"],
                    kind=line["kind"],
                    record_id=line["record_id"],
                    field=line["field"],
                    value=canonical(line["value"]),
                    salt=line["salt"],
                    context=None,
                    replaces=canonical(line["replaces"]) if line.get("replaces") else None,
                )
            )
        connection.execute(update(Installation).values(next_seq=Installation.next_seq + len(lines)))
    desk._identity = None
    return lines, head
