"""Author logs (SPEC §3, FORMAT.md §8): every change proves its author, whoever relays it.

Each installation's changes form one append-only log numbered by ``seq``. Every line carries a
random ``salt`` and ``prev``, the *link* of its author's line before it. A line's link is
``SHA-256(canonical {"device_id", "digest", "prev", "seq"})`` where ``digest`` is the SHA-256 of the
line's canonical JSON without ``prev``; a line the recipient may not see travels as exactly that
object (a *stub*), so a relay can leave it out without breaking the chain, and the salt makes the
digest reveal nothing. Every bundle carries, for each author whose lines it holds, a *head* the
author signed (device id, seq, link). A line is admitted only when it links by hashes to a signed
head, or equals a link already proven here; two different links proven for one ``seq`` prove that
two computers use one key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Connection, select

from desktop_app.domain import identity
from desktop_app.storage.models import Head, Link

GENESIS = "0" * 64  # the ``prev`` of an author's first line
STUB_KEYS = frozenset({"device_id", "digest", "prev", "seq"})
HEAD_LABEL = b"platform-desk-head\n"

_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def new_salt() -> str:
    """Sixteen random bytes as 32 lower-case hex digits."""
    return os.urandom(16).hex()


def digest(line: dict) -> str:
    """The SHA-256 of a line's canonical JSON without its ``prev``."""
    return hashlib.sha256(_canonical({k: v for k, v in line.items() if k != "prev"}).encode("utf-8")).hexdigest()


def link(device_id: str, seq: int, prev: str, line_digest: str) -> str:
    """The hash that the next line names as its ``prev`` and a head signs."""
    stub = {"device_id": device_id, "digest": line_digest, "prev": prev, "seq": seq}
    return hashlib.sha256(_canonical(stub).encode("utf-8")).hexdigest()


def head_message(device_id: str, seq: int, link_hash: str) -> bytes:
    """The bytes an author signs for its head."""
    return HEAD_LABEL + f"{device_id}\n{seq}\n{link_hash}".encode("ascii")


def sign_head(private_key: bytes, device_id: str, seq: int, link_hash: str) -> dict:
    signature = identity.private_key(private_key).sign(head_message(device_id, seq, link_hash))
    return {"seq": seq, "hash": link_hash, "signature": base64.b64encode(signature).decode("ascii")}


def head_is_signed(public_key: bytes, device_id: str, head: dict) -> bool:
    """Whether ``head`` carries its author's valid signature."""
    try:
        signature = base64.b64decode(head["signature"], validate=True)
        identity.public_key(public_key).verify(signature, head_message(device_id, head["seq"], head["hash"]))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


@dataclass
class Element:
    """One position of an author's log as a bundle or this database holds it."""

    prev: str
    digest: str
    hash: str


@dataclass
class Verdict:
    """What a bundle proves of one author's log."""

    proven: set[int] = field(default_factory=set)  # seqs of the bundle's elements that link to a signed head
    forked: bool = False  # two different proven links for one seq: a copied key


def verify_author(connection: Connection, device_id: str, public_key: bytes | None, head: dict | None,
                  elements: dict[int, Element]) -> Verdict:
    """Which of a bundle's ``elements`` (seq → element) of one author are proven.

    Walk down from the signed head: each element must hash to what the one above names as ``prev``,
    until the walk reaches a link proven here before (which must agree) or the author's first line.
    An element off that path is proven only if it equals the link held here for its seq.
    """
    verdict = Verdict()
    held = _held_links(connection, device_id, elements, head)
    if head is not None and public_key is not None and head_is_signed(public_key, device_id, head):
        seq, expected = head["seq"], head["hash"]
        while seq >= 1:
            element = elements.get(seq)
            stored = held.get(seq)
            if stored is not None:
                if stored != expected:
                    verdict.forked = True
                    verdict.proven.clear()
                    return verdict
                if element is not None and element.hash == expected:
                    verdict.proven.add(seq)
                break
            if element is None or element.hash != expected:
                break
            verdict.proven.add(seq)
            expected = element.prev
            seq -= 1
        if seq == 0 and expected != GENESIS:
            verdict.proven.clear()  # a chain that does not start at the author's first line proves nothing
    for seq, element in elements.items():
        stored = held.get(seq)
        if seq not in verdict.proven and stored is not None and stored == element.hash:
            verdict.proven.add(seq)
    return verdict


def _held_links(connection: Connection, device_id: str, elements: dict[int, Element],
                head: dict | None) -> dict[int, str]:
    seqs = list(elements) + ([head["seq"]] if head else [])
    if not seqs:
        return {}
    low, high = min(seqs), max(seqs)
    rows = connection.execute(select(Link.seq, Link.hash).where(
        Link.device_id == device_id, Link.seq.between(low, high)))
    return dict(rows.all())


def latest_head(connection: Connection, device_id: str, at_most: int | None = None) -> dict | None:
    """The highest signed head held here for an author (at most ``at_most``), as a bundle carries it."""
    query = select(Head.seq, Head.hash, Head.signature).where(Head.device_id == device_id)
    if at_most is not None:
        query = query.where(Head.seq <= at_most)
    row = connection.execute(query.order_by(Head.seq.desc()).limit(1)).first()
    return None if row is None else {"seq": row.seq, "hash": row.hash, "signature": row.signature}
