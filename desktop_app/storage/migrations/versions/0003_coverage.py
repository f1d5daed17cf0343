"""Coverage: what the installation holds completely, advertised in bundles instead of what it has seen.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coverage",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("device_id"),
    )
    # Until now bundles advertised everything seen; start from that, as earlier versions did.
    op.execute("INSERT INTO coverage (device_id, seq) SELECT device_id, seq FROM knowledge")


def downgrade() -> None:
    op.drop_table("coverage")
