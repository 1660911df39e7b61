"""The monthly comparison's 台账 of monitored persons no roll covers (003 §二(一)一是), and the
per-capita income a roster may carry (the low-income line of the monitoring register, 001 ¶3)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from engine.store.models import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("roster_entries") as batch_op:
        batch_op.add_column(sa.Column("income_per_capita", sa.Integer(), nullable=True))
    op.create_table(
        "coverage_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("groups", sa.String(100), nullable=False),
        sa.Column("risk", sa.Text(), nullable=False),
        sa.Column("follow_up", sa.String(20), nullable=False),
        sa.Column("follow_up_note", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("county_code", "month", "id_number"),
    )


def downgrade() -> None:
    op.drop_table("coverage_entries")
    with op.batch_alter_table("roster_entries") as batch_op:
        batch_op.drop_column("income_per_capita")
