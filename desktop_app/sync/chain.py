"""Proving received lines (SPEC §3, FORMAT.md §8): every change proves its author, whoever relays it.

The hashes and heads are ``domain.author_log``'s. A line the recipient may not see travels as its stub
``{"device_id", "digest", "prev", "seq"}``, so a relay can leave it out without breaking the chain, and
the salt makes the digest reveal nothing. Every bundle carries, for each author whose lines it holds, a
head the author signed. A line is admitted only when it links by hashes to a signed head, or equals a
link already proven here; two different links proven for one ``seq`` prove that two computers use one key.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from desktop_app.domain.author_log import GENESIS, digest, head_is_signed, link, sign_head
from desktop_app.storage.models import Head, Link

__all__ = ["GENESIS", "STUB_KEYS", "Element", "Verdict", "digest", "latest_head", "link", "sign_head", "verify_author"]
STUB_KEYS = frozenset({"device_id", "digest", "prev", "seq"})


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


def verify_author(
    connection: Connection, device_id: str, public_key: bytes | None, head: dict | None, elements: dict[int, Element]
) -> Verdict:
    """Which of a bundle's ``elements`` (seq → element) of one author are proven.

    Walk down from the signed head: each position (the bundle's element, or the link proven here before)
    must hash to what the one above names as ``prev``, down to the bundle's lowest element or the author's
    first line. A link held here that disagrees with a signed head proves a copied key (``forked``). An
    element off that path is proven only if it equals the link held here for its seq.
    """
    verdict = Verdict()
    lowest = min(elements, default=1)
    if head is not None and public_key is not None and head_is_signed(public_key, device_id, head):
        seq, expected = head["seq"], head["hash"]
        below = _links_down(connection, device_id, lowest, seq)  # streamed: memory for the bundle's lines only
        stored_seq, stored_link = next(below, (0, None))
        try:
            while seq >= lowest:
                while stored_seq > seq:
                    stored_seq, stored_link = next(below, (0, None))
                element, stored = elements.get(seq), stored_link if stored_seq == seq else None
                if stored is not None and stored.hash != expected:
                    verdict.forked = True
                    verdict.proven.clear()
                    return verdict
                step = element if element is not None and element.hash == expected else stored
                if step is None:
                    break  # a gap: nothing below it is reached from this head
                if element is not None and element.hash == expected:
                    verdict.proven.add(seq)
                expected = step.prev
                seq -= 1
        finally:
            below.close()
        if seq == 0 and expected != GENESIS:
            verdict.proven.clear()  # a chain that does not start at the author's first line proves nothing
    held = _held_links(connection, device_id, [seq for seq in elements if seq not in verdict.proven])
    for seq, element in elements.items():
        stored = held.get(seq)
        if seq not in verdict.proven and stored is not None and stored.hash == element.hash:
            verdict.proven.add(seq)
    return verdict


def _links_down(connection: Connection, device_id: str, lowest: int, highest: int) -> Generator[tuple[int, Element]]:
    """The links held here of one author from ``highest`` down to ``lowest``, read a batch at a time."""
    result = connection.execute(
        select(Link.seq, Link.prev, Link.digest, Link.hash)
        .where(Link.device_id == device_id, Link.seq.between(lowest, highest))
        .order_by(Link.seq.desc())
        .execution_options(yield_per=5000)
    )
    try:
        for row in result:
            yield row.seq, Element(row.prev, row.digest, row.hash)
    finally:
        result.close()


def _held_links(connection: Connection, device_id: str, seqs: list[int], chunk: int = 500) -> dict[int, Element]:
    """The links held here of one author at exactly ``seqs``."""
    held = {}
    for start in range(0, len(seqs), chunk):
        rows = connection.execute(
            select(Link.seq, Link.prev, Link.digest, Link.hash).where(
                Link.device_id == device_id, Link.seq.in_(seqs[start : start + chunk])
            )
        )
        held.update({row.seq: Element(row.prev, row.digest, row.hash) for row in rows})
    return held


def latest_head(connection: Connection, device_id: str, at_most: int | None = None) -> dict | None:
    """The highest signed head held here for an author (at most ``at_most``), as a bundle carries it."""
    query = select(Head.seq, Head.hash, Head.signature).where(Head.device_id == device_id)
    if at_most is not None:
        query = query.where(Head.seq <= at_most)
    row = connection.execute(query.order_by(Head.seq.desc()).limit(1)).first()
    return None if row is None else {"seq": row.seq, "hash": row.hash, "signature": row.signature}
