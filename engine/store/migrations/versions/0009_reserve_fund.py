"""Township reserve fund (备用金): top-ups and the pay-first payments drawn from it

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from engine.store.models import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reserve_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("township_code", sa.String(12), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_reserve_township", "reserve_entries", ["township_code", "id"])


def downgrade() -> None:
    op.drop_index("ix_reserve_township", table_name="reserve_entries")
    op.drop_table("reserve_entries")
