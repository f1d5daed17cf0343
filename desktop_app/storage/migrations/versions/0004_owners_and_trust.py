"""Owners and trust: each record's owner, who vouched for or revoked each known installation, and
changes held back until they may be applied.

Owners are derived from each record's first change (by clock, then device id): the country of the
installation that made it, or ``secretariat``. Pinned peers keep their role and country; those
pinned before this version count as confirmed by a person here.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

RECORD_TABLES = ("events", "people", "participations", "actions", "attachments")

# Every installation whose changes this database may hold, with its role and country.
_AUTHORS = """
    SELECT device_id, role, country FROM installation
    UNION ALL SELECT copied_from, role, country FROM installation WHERE copied_from IS NOT NULL
    UNION ALL SELECT device_id, role, country FROM peers
"""


def upgrade() -> None:
    for table in RECORD_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("owner", sa.String(length=12), nullable=True))
        op.execute(f"""
            UPDATE {table} SET owner = (
                SELECT CASE WHEN author.role = 'secretariat' THEN 'secretariat' ELSE author.country END
                FROM ({_AUTHORS}) AS author
                WHERE author.device_id = (SELECT device_id FROM changes WHERE changes.record_id = {table}.id
                                          ORDER BY hlc, device_id LIMIT 1)
                LIMIT 1)
        """)
    op.create_table(
        "held_back",
        sa.Column("rowid", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hlc", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("rowid"),
        sa.UniqueConstraint("device_id", "seq", name="uq_held_back_origin"),
    )
    with op.batch_alter_table("peers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vouched_by", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("revoked_seq", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_table("held_back")
    with op.batch_alter_table("peers", schema=None) as batch_op:
        batch_op.drop_column("revoked_seq")
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("vouched_by")
    for table in RECORD_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("owner")
