"""Form drafts (草稿): a task's form saved without submitting, per clerk

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from engine.store.models import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_drafts",
        sa.Column("task_id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("saved_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_form_drafts_case_id", "form_drafts", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_form_drafts_case_id", table_name="form_drafts")
    op.drop_table("form_drafts")
