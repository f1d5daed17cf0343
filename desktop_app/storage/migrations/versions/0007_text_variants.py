"""Text in several languages: one row per ``FIELD@LANG`` variant of a record's text field (SPEC §2);
and who signs an event's certificates (``signatory``, ``second_signatory`` and their positions).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SIGNATORY_COLUMNS = ("signatory", "signatory_position", "second_signatory", "second_signatory_position")


def upgrade() -> None:
    op.create_table(
        "text_variants",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "field"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        for column in SIGNATORY_COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        for column in reversed(SIGNATORY_COLUMNS):
            batch_op.drop_column(column)
    op.drop_table("text_variants")
