"""Who may change what (SPEC §3): record owners, and the one rule every installation applies.

A record belongs to the delegation (country) whose installation created it, or to
the secretariat. Installations of the owner's country and any secretariat may
change every field; installations of a country among the event's ``parties`` may
change the other fields but not ``sharing``, ``parties``, whether it is deleted, or the
``event_id``/``person_id`` that attach a participation, action or attachment (moving one widens it).
A participation, action or attachment may also be changed by whoever may change
its event. Local writes (``Desk``) and incoming changes (``sync.merge``) both ask
``may_change``, so every installation reaches the same verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.domain.schema import DELETED, SECRETARIAT

# Only the owner's country and a secretariat may set these.
PROTECTED = frozenset({"sharing", "parties", DELETED, "event_id", "person_id"})


def owner_tag(role: str | None, country: str | None) -> str | None:
    """What an installation's records are owned by: ``secretariat`` or its country."""
    return SECRETARIAT if role == SECRETARIAT else country


@dataclass(frozen=True)
class Author:
    """An installation as far as authority goes: its pinned role and country."""

    role: str | None
    country: str | None

    @property
    def tag(self) -> str | None:
        return owner_tag(self.role, self.country)


@dataclass(frozen=True)
class Standing:
    """What decides who may change a record: its owner and parties, and its event's (for dependants)."""

    owner: str | None
    parties: tuple = ()
    event_owner: str | None = None
    event_parties: tuple = ()


def may_change(author: Author, field: str, standing: Standing) -> bool:
    """Whether ``author`` may set ``field`` of a record with this standing."""
    if author.role == SECRETARIAT or standing.owner is None:  # no owner known: a record from before owners
        return True
    if author.country in (standing.owner, standing.event_owner):
        return True
    return field not in PROTECTED and author.country in (*standing.parties, *standing.event_parties)
