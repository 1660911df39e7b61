"""Comments (留言) on a case and on its tasks

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from engine.store.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("task_id", sa.String(36), nullable=True),
        sa.Column("step_name", sa.String(200), nullable=True),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_case_comments_case", "case_comments", ["case_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_case_comments_case", table_name="case_comments")
    op.drop_table("case_comments")
