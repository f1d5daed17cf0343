"""Drop the tables nothing reads: ``countries`` and ``thematic_areas`` (the codes live in the program) and
``pending_parts`` (parts of a split bundle are gathered from the files given to one import).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("pending_parts")
    op.drop_table("thematic_areas")
    op.drop_table("countries")


def downgrade() -> None:
    op.create_table(
        "countries",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("member_state", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "thematic_areas", sa.Column("code", sa.String(length=32), nullable=False), sa.PrimaryKeyConstraint("code")
    )
    op.create_table(
        "pending_parts",
        sa.Column("bundle_id", sa.String(length=36), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("bundle_id", "part"),
    )
