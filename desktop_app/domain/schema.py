"""The record kinds of SPEC §2: their fields, types, codes and defaults, as data.

Everything else (validation, storage columns, the GUI's editors, sync) reads
these definitions instead of repeating them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field as _field
from functools import lru_cache

from desktop_app import paths
from desktop_app.i18n import LANGUAGES, N_

EVENT_TYPES = {
    "conference": N_("Conference"),
    "regional_training": N_("Regional training"),
    "national_training": N_("National training"),
    "webinar": N_("Webinar"),
    "expert_discussion": N_("Expert discussion"),
    "focus_group": N_("Focus group"),
    "bilateral_meeting": N_("Bilateral meeting"),
    "multilateral_meeting": N_("Multilateral meeting"),
    "study_visit": N_("Study visit"),
    "other": N_("Other"),
}
EVENT_STATUSES = {
    "planned": N_("Planned"),
    "held": N_("Held"),
    "postponed": N_("Postponed"),
    "cancelled": N_("Cancelled"),
}
THEMATIC_AREAS = {
    "prevention": N_("Prevention"),
    "private_sector": N_("Private sector"),
    "asset_recovery": N_("Asset recovery"),
    "criminalization": N_("Criminalization and law enforcement"),
}
SHARING = {
    "local": N_("This computer only"),
    "secretariat": N_("Secretariat only"),
    "parties": N_("Secretariat and the parties"),
    "platform": N_("Whole Platform"),
}
GENDERS = {"female": N_("Female"), "male": N_("Male"), "unspecified": N_("Unspecified")}
ROLES = {
    "participant": N_("Participant"),
    "speaker": N_("Speaker"),
    "trainer": N_("Trainer"),
    "international_expert": N_("International expert"),
    "organizer": N_("Organizer"),
    "observer": N_("Observer"),
}
ACTION_STATUSES = {
    "open": N_("Pending"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "dropped": N_("Dropped"),
}
# The two roles of an installation (SPEC §3): every caller names them through these constants.
DELEGATION = "delegation"
SECRETARIAT = "secretariat"
INSTALLATION_ROLES = {DELEGATION: N_("Delegation"), SECRETARIAT: N_("Secretariat")}

# The field that marks a record deleted; deletion is a change like any other.
DELETED = "deleted"
# The field set once, by the change that creates a record: ``secretariat`` or the creator's country (SPEC §3).
OWNER = "owner"


# The languages a text may be given in, and the text fields that may be (SPEC §2 "Text in several languages").
TEXT_LANGUAGES = LANGUAGES
TRANSLATABLE = {
    "event": (
        "title",
        "city",
        "venue",
        "organizer",
        "funding_source",
        "description",
        "outcomes",
        "signatory",
        "signatory_position",
        "second_signatory",
        "second_signatory_position",
    ),
    "person": ("full_name", "position", "organization"),
    "action": ("description", "responsible"),
}


def variant_name(field: str, language: str) -> str:
    """The name of a field's text in one language: ``title@ru``."""
    return f"{field}@{language}"


def is_variant(name: str) -> bool:
    return "@" in name


@dataclass(frozen=True)
class Field:
    """One field of a record kind. ``type`` is one of the names handled by ``validation``."""

    name: str
    type: str
    label: str
    required: bool = False
    default: object = None
    codes: dict | None = None
    ref: str | None = None
    max_length: int | None = None

    def target(self) -> Kind:
        """The kind a ``ref`` field points to."""
        if self.ref is None:
            raise TypeError(f"{self.name} is not a reference")
        return KINDS[self.ref]


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    fields: tuple[Field, ...]
    parent_ref: str | None = None  # the field whose record decides sharing
    names: dict = _field(default_factory=dict)

    def field(self, name: str) -> Field:
        return self.names.get(name) or self.variant(name) or self.names[name]

    def variant(self, name: str) -> Field | None:
        """The field ``BASE@LANG`` of a text field that may be given in several languages (SPEC §2), or None.

        A variant has its base field's type and length and is never required."""
        base, at, language = name.partition("@")
        if not at or base not in TRANSLATABLE.get(self.name, ()) or language not in TEXT_LANGUAGES:
            return None
        field = self.names[base]
        return Field(name, field.type, field.label, max_length=field.max_length)


def _kind(name, label, fields, parent_ref=None) -> Kind:
    return Kind(name, label, tuple(fields), parent_ref, {f.name: f for f in fields})


EVENT = _kind(
    "event",
    N_("Event"),
    [
        Field("type", "code", N_("Type"), required=True, codes=EVENT_TYPES),
        Field("title", "text", N_("Title"), required=True, max_length=300),
        Field("start_date", "date", N_("Start date"), required=True),
        Field("end_date", "date", N_("End date")),
        Field("city", "text", N_("City")),
        Field("venue", "text", N_("Venue")),
        Field("organizer", "text", N_("Organizer")),
        Field("funding_source", "text", N_("Funding source")),
        Field("country", "country", N_("Country")),
        Field("parties", "country_list", N_("Parties"), default=[]),
        Field("thematic_areas", "code_list", N_("Thematic areas"), default=[], codes=THEMATIC_AREAS),
        Field("status", "code", N_("Status"), default="planned", codes=EVENT_STATUSES),
        Field("participants_total", "count", N_("Participants")),
        Field("participants_women", "count", N_("Women")),
        Field("participants_men", "count", N_("Men")),
        Field("international_experts", "count", N_("International experts")),
        Field("description", "text", N_("Description")),
        Field("outcomes", "text", N_("Outcomes")),
        Field("parent_id", "ref", N_("Held within"), ref="event"),
        Field("sharing", "code", N_("Sharing"), default="platform", codes=SHARING),
        # Who signs the event's certificates, under the organizer and beside it.
        Field("signatory", "text", N_("Signatory")),
        Field("signatory_position", "text", N_("Signatory's position")),
        Field("second_signatory", "text", N_("Second signatory")),
        Field("second_signatory_position", "text", N_("Second signatory's position")),
    ],
)
PERSON = _kind(
    "person",
    N_("Person"),
    [
        Field("full_name", "text", N_("Full name"), required=True, max_length=300),
        Field("position", "text", N_("Position")),
        Field("organization", "text", N_("Organization")),
        Field("country", "country", N_("Country")),
        Field("gender", "code", N_("Gender"), default="unspecified", codes=GENDERS),
        Field("email", "email", N_("E-mail")),
        Field("phone", "text", N_("Phone")),
        Field("notes", "text", N_("Notes")),
        Field("sharing", "code", N_("Sharing"), default="platform", codes=SHARING),
    ],
)
PARTICIPATION = _kind(
    "participation",
    N_("Participation"),
    [
        Field("event_id", "ref", N_("Event"), required=True, ref="event"),
        Field("person_id", "ref", N_("Person"), required=True, ref="person"),
        Field("role", "code", N_("Role"), default="participant", codes=ROLES),
        Field("attended", "bool", N_("Attended"), default=True),
    ],
    parent_ref="event_id",
)
ACTION = _kind(
    "action",
    N_("Follow-up action"),
    [
        Field("event_id", "ref", N_("Event"), required=True, ref="event"),
        Field("description", "text", N_("Description"), required=True),
        Field("responsible", "text", N_("Responsible")),
        Field("responsible_country", "country", N_("Responsible country")),
        Field("due_date", "date", N_("Due date")),
        Field("status", "code", N_("Status"), default="open", codes=ACTION_STATUSES),
        Field("sharing", "code", N_("Sharing"), default="platform", codes=SHARING),
    ],
    parent_ref="event_id",
)
ATTACHMENT = _kind(
    "attachment",
    N_("Attachment"),
    [
        Field("event_id", "ref", N_("Event"), required=True, ref="event"),
        Field("filename", "text", N_("File name"), required=True, max_length=255),
        Field("media_type", "text", N_("Media type"), default="application/octet-stream"),
        Field("size", "count", N_("Size")),
        Field("sha256", "sha256", N_("SHA-256"), required=True),
    ],
    parent_ref="event_id",
)

KINDS: dict[str, Kind] = {k.name: k for k in (EVENT, PERSON, PARTICIPATION, ACTION, ATTACHMENT)}


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """The ISO 3166-1 codes a country field accepts (the member states are ``country_names.MEMBER_STATES``)."""
    with open(paths.resources_dir() / "reference" / "reference.json", encoding="utf-8") as handle:
        return frozenset(json.load(handle)["countries"])
