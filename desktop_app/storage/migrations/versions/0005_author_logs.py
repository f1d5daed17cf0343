"""Author logs (format 3.0): a salt on every change, the proven links of every author's log, signed heads,
and what each change replaces (null for the changes made before: the clock decides between those).

This installation's own changes are chained here, in ``seq`` order, each with a new salt, so that
it can prove them to anyone. Changes received from others before this version keep no salt and no
link: nobody but their author can prove them, so they are not relayed until their author sends them
again, proven, from its own upgraded installation (the merge then takes the salt). Changes waiting
since format 2 are dropped: nothing proves who wrote them, and their relays send them again.

The hashing is written out here rather than imported, so that this migration stays as it is
whatever later code does (FORMAT.md §8 spells the same rule).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import hashlib
import json
import os

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _sha256(value) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade() -> None:
    for table in ("changes", "held_back"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("salt", sa.String(length=32), nullable=True))
            batch_op.add_column(sa.Column("replaces", sa.Text(), nullable=True))
    op.create_table(
        "links",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("prev", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq"),
    )
    op.create_table(
        "heads",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq"),
    )
    connection = op.get_bind()
    # Changes waiting since format 2 came without proof of their authors: their relays send them again, proven.
    connection.execute(sa.text("DELETE FROM held_back"))
    me = connection.execute(sa.text("SELECT device_id FROM installation")).scalar()
    if me is None:
        return
    rows = connection.execute(
        sa.text(
            "SELECT rowid, seq, hlc, kind, record_id, field, value, context FROM changes "
            "WHERE device_id = :me ORDER BY seq"
        ),
        {"me": me},
    ).all()
    prev, expected = GENESIS, 1
    salts, links = [], []
    for rowid, seq, stamp, kind, record_id, name, value, context in rows:
        if seq != expected:
            break  # a gap in one's own log (never written by this program): the chain stops before it
        salt = os.urandom(16).hex()
        line = {
            "device_id": me,
            "seq": seq,
            "hlc": stamp,
            "kind": kind,
            "record_id": record_id,
            "field": name,
            "value": json.loads(value),
            "salt": salt,
        }
        if context is not None:
            line["context"] = json.loads(context)
        digest = _sha256(line)
        link = _sha256({"device_id": me, "digest": digest, "prev": prev, "seq": seq})
        salts.append({"salt": salt, "rowid": rowid})
        links.append({"device_id": me, "seq": seq, "prev": prev, "digest": digest, "hash": link})
        prev, expected = link, seq + 1
    if salts:
        connection.execute(sa.text("UPDATE changes SET salt = :salt WHERE rowid = :rowid"), salts)
        connection.execute(
            sa.text(
                "INSERT INTO links (device_id, seq, prev, digest, hash) "
                "VALUES (:device_id, :seq, :prev, :digest, :hash)"
            ),
            links,
        )


def downgrade() -> None:
    op.drop_table("heads")
    op.drop_table("links")
    for table in ("changes", "held_back"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("replaces")
            batch_op.drop_column("salt")
