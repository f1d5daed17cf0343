"""Bundles an attacker writes with its own genuine key: whatever lines it likes, properly signed.

The sender's own lines (dicts) are written into its own log as a modified program would (renumbered after
what it holds, ``forge.append_to_own_log``) and proven by its head; lines in anyone else's name are chained
after what the sender holds of that log, under a head the sender signs itself: a forgery nobody applies.
Lines given as text are written as they are.
"""

from __future__ import annotations

import json
from collections import defaultdict

from desktop_app.domain import hlc
from desktop_app.domain.changelog import canonical
from tests.sync import forge
from tests.sync.conftest import Office


def crafted(office: Office, path, lines: list, spell=canonical, **header):
    """A bundle signed with ``office``'s key carrying ``lines`` (dicts, written with ``spell``; or raw text)."""
    texts = [text for text in lines if isinstance(text, str)]
    by_author: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        if not isinstance(line, str):
            by_author[line["device_id"]].append(line)
    heads = {}
    for device, written in by_author.items():
        changes = [
            {k: v for k, v in line.items() if k not in ("device_id", "seq")}
            for line in sorted(written, key=lambda line: line["seq"])
        ]
        if device == office.device_id:
            chained, heads[device] = forge.append_to_own_log(office.desk, changes)
        else:
            chained, heads[device] = forge.log_lines(
                device, changes, office.desk.identity["private_key"], forge.log_end(office.desk, device)
            )
        texts += [spell(json.loads(text)) for text in chained]
    return forge.signed_bundle(office.desk, path, texts, heads, **header)


def change(
    office: Office, seq: int, record: str, field: str, value, kind: str = "event", stamp: str | None = None
) -> dict:
    """One change line of ``office``, stamped now unless ``stamp`` says otherwise."""
    return {
        "device_id": office.device_id,
        "seq": seq,
        "hlc": stamp or hlc.encode(hlc.wall_clock_ms(), 0),
        "kind": kind,
        "record_id": record,
        "field": field,
        "value": value,
    }


def next_seq(office: Office) -> int:
    """The next sequence number ``office`` would use."""
    return office.desk.vector().get(office.device_id, 0) + 1
