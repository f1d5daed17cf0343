"""Bundles an attacker writes with its own genuine key: whatever lines it likes, properly signed."""

from __future__ import annotations

from desktop_app.domain import hlc
from desktop_app.domain.changelog import canonical
from desktop_app.sync import bundle as fmt
from tests.sync.conftest import Office


def crafted(office: Office, path, lines: list, **header):
    """A bundle signed with ``office``'s key carrying ``lines`` (dicts, or raw text written as is)."""
    me = office.desk.identity
    fields = {"device_id": me["device_id"], "device_name": me["device_name"], "role": me["role"],
              "country": me["country"], "public_key": fmt.b64(me["public_key"]), "to": None, "base": {},
              "audience": "everyone", "created_at": "2025-01-01T00:00:00+00:00", "vector": {}, **header}
    fmt.write_bundle(path, fields, [text if isinstance(text, str) else canonical(text) for text in lines],
                     me["private_key"])
    return path


def change(office: Office, seq: int, record: str, field: str, value, kind: str = "event",
           stamp: str | None = None) -> dict:
    """One change line of ``office``, stamped now unless ``stamp`` says otherwise."""
    return {"device_id": office.device_id, "seq": seq, "hlc": stamp or hlc.encode(hlc.wall_clock_ms(), 0),
            "kind": kind, "record_id": record, "field": field, "value": value}


def next_seq(office: Office) -> int:
    """The next sequence number ``office`` would use."""
    return office.desk.vector().get(office.device_id, 0) + 1
