"""Duration histograms for the dashboards: per county, month, category, measure and bucket of hours,
kept current by every step; filled from the audit events and the ledger already there

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_durations",
        sa.Column("county_code", sa.String(6), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("category", sa.String(20), primary_key=True),
        sa.Column("measure", sa.String(8), primary_key=True),
        sa.Column("label", sa.String(200), primary_key=True),
        sa.Column("bucket", sa.Integer(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
    )
    from engine.store.report_durations import rebuild

    rebuild(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_table("report_durations")
