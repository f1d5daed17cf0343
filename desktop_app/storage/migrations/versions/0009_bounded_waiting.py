"""Bounded waiting and clashes: each held-back change remembers who sent it, since when it waits, its
size and what it waits for; a conflict may name the rule its record's fields break together, and
the other field of that clash.

Rows held back before this version are credited to their author as sender, held from now, and wait for
their author (when unknown) or their record.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("held_back", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender", sa.String(length=36), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("held_at", sa.String(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("size", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("waits_for", sa.String(length=64), nullable=False, server_default=""))
        batch_op.create_index("ix_held_back_sender", ["sender"])
        batch_op.create_index("ix_held_back_waits_for", ["waits_for"])
        batch_op.create_index("ix_held_back_record", ["record_id"])
    # Byte lengths are spelled per dialect (SQLite has no octet_length before 3.43); the SQL is otherwise shared.
    postgresql = op.get_bind().dialect.name == "postgresql"

    def octets(column: str) -> str:
        return f"octet_length({column})" if postgresql else f"length(CAST({column} AS BLOB))"

    op.get_bind().execute(
        sa.text(f"""
        UPDATE held_back SET sender = device_id,
            held_at = :now,
            size = {octets("value")} + {octets("coalesce(context, '')")} + length(record_id)
                   + length(device_id) + length(field) + length(kind) + length(hlc) + 100,
            waits_for = CASE WHEN reason = 'unknown_installation' THEN device_id ELSE record_id END
    """),
        {"now": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")},
    )
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("loser_field", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_column("loser_field")
        batch_op.drop_column("rule")
    with op.batch_alter_table("held_back", schema=None) as batch_op:
        batch_op.drop_index("ix_held_back_record")
        batch_op.drop_index("ix_held_back_waits_for")
        batch_op.drop_index("ix_held_back_sender")
        batch_op.drop_column("waits_for")
        batch_op.drop_column("size")
        batch_op.drop_column("held_at")
        batch_op.drop_column("sender")
