"""Who may receive what (SPEC §4.1): the records a bundle for a given recipient must leave out.

A recipient is described by its role and country; ``None`` stands for "every
delegation" (a secretariat bundle without ``--to``), which receives only
``platform`` records.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from desktop_app.domain.changelog import record_table

RANK = {"local": 0, "secretariat": 1, "parties": 2, "platform": 3}


@dataclass(frozen=True)
class Recipient:
    role: str | None  # "secretariat", "delegation", or None for every delegation
    country: str | None = None

    def may_see(self, sharing: str | None, parties: list | None) -> bool:
        sharing = sharing or "platform"
        if sharing == "platform":
            return True
        if sharing == "local" or self.role is None:
            return False
        if self.role == "secretariat":
            return True
        return sharing == "parties" and self.country in (parties or [])


def hidden_records(connection: Connection, recipient: Recipient) -> set[str]:
    """Ids of every record (any kind, deleted or not) that ``recipient`` must not receive."""
    events = record_table("event")
    event_parties: dict[str, list] = {}
    hidden: set[str] = set()
    for event_id, sharing, parties in connection.execute(select(events.c.id, events.c.sharing, events.c.parties)):
        event_parties[event_id] = parties or []
        if not recipient.may_see(sharing, parties):
            hidden.add(event_id)
    for kind in ("participation", "attachment"):
        table = record_table(kind)
        hidden.update(i for i, e in connection.execute(select(table.c.id, table.c.event_id)) if e in hidden)
    actions = record_table("action")
    for action_id, event_id, sharing in connection.execute(select(actions.c.id, actions.c.event_id, actions.c.sharing)):
        if event_id in hidden or not recipient.may_see(sharing, event_parties.get(event_id)):
            hidden.add(action_id)
    # A person follows the most open sharing of the events they attend, or their own when narrower.
    participations = record_table("participation")
    seen_through: dict[str, bool] = {}
    parties_of: dict[str, list] = {}
    for person_id, event_id in connection.execute(select(participations.c.person_id, participations.c.event_id)):
        seen_through[person_id] = seen_through.get(person_id, False) or event_id not in hidden
        parties_of.setdefault(person_id, []).extend(event_parties.get(event_id, []))
    people = record_table("person")
    for person_id, sharing in connection.execute(select(people.c.id, people.c.sharing)):
        if not recipient.may_see(sharing, parties_of.get(person_id)) or not seen_through.get(person_id, True):
            hidden.add(person_id)
    return hidden
