"""Text in several languages: one row per ``FIELD@LANG`` variant of a record's text field (SPEC §2).

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('text_variants',
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('record_id', 'field')
    )


def downgrade() -> None:
    op.drop_table('text_variants')
