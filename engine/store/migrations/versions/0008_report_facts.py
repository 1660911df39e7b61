"""Report facts: per township, day and category, kept current by every step; filled from the cases
and the ledger already there

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_facts",
        sa.Column("township_code", sa.String(12), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("category", sa.String(20), primary_key=True),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("applications", sa.Integer(), nullable=False),
        sa.Column("approvals", sa.Integer(), nullable=False),
        sa.Column("refusals", sa.Integer(), nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_report_facts_county_day", "report_facts", ["county_code", "day"])
    from engine.store.report_facts import rebuild

    rebuild(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_index("ix_report_facts_county_day", table_name="report_facts")
    op.drop_table("report_facts")
