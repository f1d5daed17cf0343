"""Who made each change: the server role (PostgreSQL) or the operating-system user (a file) that wrote it.

Several staff write one secretariat database on a server (SPEC §6); the change log now says which of them
made each local change. Changes received in bundles, and those made before this version, name nobody.

Revision ID: 0010
Revises: 0009 (the number 0008 was given to this change on its branch and never released)
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_column("user")
