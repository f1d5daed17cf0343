"""SQLAlchemy ORM models: one table per record kind, the change log, and the installation's own state.

Record tables hold the current value of each field, derived from the change log
by the domain layer; columns are nullable because required fields are the
domain's rule, not the table's (sync applies a record field by field).
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def _fk(target: str) -> ForeignKey:
    # Deferred so that a sync import may apply a record's fields in any order within one transaction.
    return ForeignKey(target, deferrable=True, initially="DEFERRED")


class Base(DeclarativeBase):
    """The base of every model; each one maps a plain ``Table`` (which Core statements take as such)."""

    __table__: ClassVar[Table]


class OwnedMixin:
    """Every record kind: its id, whether it is deleted, and its owner (SPEC §3).

    ``owner`` is ``secretariat`` or the country code of the delegation whose installation created the
    record; it is derived from the change log (the record's first change), not a field anyone sets.
    """

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False, server_default="0")
    owner: Mapped[str | None] = mapped_column(String(12))


class RecordMixin(OwnedMixin):
    sharing: Mapped[str | None] = mapped_column(String(12))


class Event(RecordMixin, Base):
    __tablename__ = "events"
    type: Mapped[str | None] = mapped_column(String(32), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[str | None] = mapped_column(String(10), index=True)
    end_date: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(Text)
    venue: Mapped[str | None] = mapped_column(Text)
    organizer: Mapped[str | None] = mapped_column(Text)
    funding_source: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    parties: Mapped[list | None] = mapped_column(JSON)
    thematic_areas: Mapped[list | None] = mapped_column(JSON)
    status: Mapped[str | None] = mapped_column(String(16))
    participants_total: Mapped[int | None] = mapped_column(Integer)
    participants_women: Mapped[int | None] = mapped_column(Integer)
    participants_men: Mapped[int | None] = mapped_column(Integer)
    international_experts: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    outcomes: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(_fk("events.id"), index=True)
    signatory: Mapped[str | None] = mapped_column(Text)
    signatory_position: Mapped[str | None] = mapped_column(Text)
    second_signatory: Mapped[str | None] = mapped_column(Text)
    second_signatory_position: Mapped[str | None] = mapped_column(Text)


class Person(RecordMixin, Base):
    __tablename__ = "people"
    full_name: Mapped[str | None] = mapped_column(Text)
    position: Mapped[str | None] = mapped_column(Text)
    organization: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    gender: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class Participation(OwnedMixin, Base):
    __tablename__ = "participations"
    event_id: Mapped[str | None] = mapped_column(_fk("events.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(_fk("people.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(32))
    attended: Mapped[bool | None] = mapped_column(Boolean)


class Action(RecordMixin, Base):
    __tablename__ = "actions"
    event_id: Mapped[str | None] = mapped_column(_fk("events.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    responsible: Mapped[str | None] = mapped_column(Text)
    responsible_country: Mapped[str | None] = mapped_column(String(2))
    due_date: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str | None] = mapped_column(String(16))


class Attachment(OwnedMixin, Base):
    __tablename__ = "attachments"
    event_id: Mapped[str | None] = mapped_column(_fk("events.id"), index=True)
    filename: Mapped[str | None] = mapped_column(Text)
    media_type: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))


class TextVariant(Base):
    """A text field of a record in one more language (``title@ru``, SPEC §2): one row per variant given.

    Written only by ``domain.variants.apply_variants``; a cleared variant has no row."""

    __tablename__ = "text_variants"
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Blob(Base):
    """Attachment content, stored once per SHA-256."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ChangeLine:
    """The columns of one change: which field of which record, its value, when and by whom."""

    rowid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)
    hlc: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text)  # canonical JSON
    context: Mapped[str | None] = mapped_column(Text)  # a delete's version vector, canonical JSON
    salt: Mapped[str | None] = mapped_column(String(32))  # null only for a line received before format 3
    replaces: Mapped[str | None] = mapped_column(Text)  # canonical JSON {device_id: seq} of the changes it replaces


class Change(ChangeLine, Base):
    """One field of one record set to one value, at one time, by one installation."""

    __tablename__ = "changes"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_changes_origin"),
        Index("ix_changes_field_time", "record_id", "field", "hlc"),
    )
    user: Mapped[str | None] = mapped_column(String(64))  # who made a local change: server role or OS user


class Link(Base):
    """One position of an author's log (``sync.chain``): proven here, whether its line is held or only its stub."""

    __tablename__ = "links"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Head(Base):
    """A head an author signed (device id, seq, link): what a relay hands on with that author's lines."""

    __tablename__ = "heads"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(100))


class HeldBack(ChangeLine, Base):
    """A change received but not applied yet (SPEC §3): its record is not held here yet, its author has no
    authority over it so far, or its author is not known yet. Tried again when what it waits for
    (``waits_for``: a record id, or an installation's device id) arrives, so the record tables stay a
    function of the changes received, whatever their order of arrival; bounded per ``sender`` and expired
    (``sync.waiting``)."""

    __tablename__ = "held_back"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_held_back_origin"),
        Index("ix_held_back_sender", "sender"),
        Index("ix_held_back_waits_for", "waits_for"),
        Index("ix_held_back_record", "record_id"),
    )
    reason: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(36), server_default="")  # the bundle's signer
    held_at: Mapped[str] = mapped_column(String(32), server_default="")  # when it first arrived
    size: Mapped[int] = mapped_column(Integer, server_default="0")  # bytes, counted against the sender's quota
    waits_for: Mapped[str] = mapped_column(String(64), server_default="")


class Installation(Base):
    """This installation's identity (SPEC §3): one row, written by ``init``."""

    __tablename__ = "installation"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[str] = mapped_column(String(32))
    machine_id: Mapped[str] = mapped_column(String(64))
    copied_from: Mapped[str | None] = mapped_column(String(36))
    clock: Mapped[str] = mapped_column(String(24))
    next_seq: Mapped[int] = mapped_column(Integer)


class Knowledge(Base):
    """This installation's version vector: the highest sequence number it holds from each device."""

    __tablename__ = "knowledge"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)


class Coverage(Base):
    """What this installation holds *completely*: every change up to ``seq`` from a device that it may see.

    Bundles advertise this, not ``Knowledge``: a file that carried only part of a device's changes (one for
    every delegation, or relayed by a delegation that may see less) must not make a sender skip the rest.
    """

    __tablename__ = "coverage"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)


class Peer(Base):
    """Another installation: its pinned key, role and country, who vouched for it, and what it holds.

    ``vouched_by`` is null when a person here confirmed its fingerprint, or the device id of the
    secretariat whose registry introduced it. A revoked installation's bundles are refused, and so is
    any change it made after ``revoked_seq`` (the last of its changes the revoking secretariat held).
    """

    __tablename__ = "peers"
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    first_seen: Mapped[str] = mapped_column(String(32))
    last_seen: Mapped[str] = mapped_column(String(32))
    vector: Mapped[str] = mapped_column(Text)  # canonical JSON {device_id: seq}: what the peer holds
    vouched_by: Mapped[str | None] = mapped_column(String(36))
    revoked_at: Mapped[str | None] = mapped_column(String(32))
    revoked_seq: Mapped[int | None] = mapped_column(Integer)


class Conflict(Base):
    """A value that lost a merge: kept so that a person can review it and restore it."""

    __tablename__ = "conflicts"
    __table_args__ = (
        UniqueConstraint("loser_device", "loser_seq", "winner_device", "winner_seq", name="uq_conflicts_pair"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    field: Mapped[str] = mapped_column(String(40))
    winner_value: Mapped[str] = mapped_column(Text)
    winner_device: Mapped[str] = mapped_column(String(36))
    winner_seq: Mapped[int] = mapped_column(Integer)
    winner_hlc: Mapped[str] = mapped_column(String(24))
    loser_value: Mapped[str] = mapped_column(Text)
    loser_device: Mapped[str] = mapped_column(String(36))
    loser_seq: Mapped[int] = mapped_column(Integer)
    loser_hlc: Mapped[str] = mapped_column(String(24))
    detected_at: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, kept, restored
    # A clash: the record's merged fields break this rule together (``validation.RULES``); no value was lost.
    rule: Mapped[str | None] = mapped_column(String(40))
    loser_field: Mapped[str | None] = mapped_column(String(40))  # a clash's other field (``field`` is the winner's)


class Exchange(Base):
    """One export or import, for the history shown to the user."""

    __tablename__ = "exchanges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    direction: Mapped[str] = mapped_column(String(8))  # export, import
    at: Mapped[str] = mapped_column(String(32))
    bundle_id: Mapped[str] = mapped_column(String(36), index=True)
    peer_device: Mapped[str | None] = mapped_column(String(36))
    peer_name: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(Text)
    change_count: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(Text)


RECORD_MODELS: dict[str, type[Base]] = {
    "event": Event,
    "person": Person,
    "participation": Participation,
    "action": Action,
    "attachment": Attachment,
}
