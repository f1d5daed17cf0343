"""Who may receive what (SPEC §4.1): the records a bundle for a given recipient must leave out.

A recipient is described by its role and country; ``None`` stands for "every
delegation" (a secretariat bundle without ``--to``), which receives only
``platform`` records. The owner's delegation always receives its own records
(except ``local`` ones, which never leave their installation). A bundle stands
on its own for its recipient: a participation whose person or event it may not
receive is left out, and so is the reference to a parent event it may not
receive (see ``export._lines``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from desktop_app.domain.changelog import record_table


@dataclass(frozen=True)
class Recipient:
    role: str | None  # "secretariat", "delegation", or None for every delegation
    country: str | None = None

    def may_see(self, sharing: str | None, parties: list | None, owner: str | None = None) -> bool:
        sharing = sharing or "platform"
        if sharing == "platform":
            return True
        if sharing == "local" or self.role is None:
            return False
        if self.role == "secretariat" or (owner is not None and owner == self.country):
            return True
        return sharing == "parties" and self.country in (parties or [])


def hidden_records(connection: Connection, recipient: Recipient) -> set[str]:
    """Ids of every record (any kind, deleted or not) that ``recipient`` must not receive."""
    events = record_table("event")
    event_parties: dict[str, list] = {}
    hidden: set[str] = set()
    for event_id, sharing, parties, owner in connection.execute(
        select(events.c.id, events.c.sharing, events.c.parties, events.c.owner)
    ):
        event_parties[event_id] = parties or []
        if not recipient.may_see(sharing, parties, owner):
            hidden.add(event_id)
    attachments = record_table("attachment")
    hidden.update(i for i, e in connection.execute(select(attachments.c.id, attachments.c.event_id)) if e in hidden)
    actions = record_table("action")
    for action_id, event_id, sharing, owner in connection.execute(
        select(actions.c.id, actions.c.event_id, actions.c.sharing, actions.c.owner)
    ):
        if event_id in hidden or not recipient.may_see(sharing, event_parties.get(event_id), owner):
            hidden.add(action_id)
    # A person follows the most open sharing of the events they attend, or their own when narrower.
    participations = record_table("participation")
    attendance = connection.execute(
        select(participations.c.id, participations.c.person_id, participations.c.event_id)
    ).all()
    seen_through: dict[str, bool] = {}
    parties_of: dict[str, list] = {}
    for _id, person_id, event_id in attendance:
        seen_through[person_id] = seen_through.get(person_id, False) or event_id not in hidden
        parties_of.setdefault(person_id, []).extend(event_parties.get(event_id, []))
    people = record_table("person")
    for person_id, sharing, owner in connection.execute(select(people.c.id, people.c.sharing, people.c.owner)):
        own = recipient.role is not None and owner is not None and owner == recipient.country and sharing != "local"
        if not own and (
            not recipient.may_see(sharing, parties_of.get(person_id)) or not seen_through.get(person_id, True)
        ):
            hidden.add(person_id)
    # A participation means nothing without its event and its person.
    hidden.update(i for i, person_id, event_id in attendance if event_id in hidden or person_id in hidden)
    return hidden
