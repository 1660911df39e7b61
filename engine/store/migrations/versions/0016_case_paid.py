"""What each case has paid so far in money or goods (the 台账 without referrals), kept on the case row
by every step: a step's `paid_so_far()` reads it with the locked case instead of summing the ledger

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("paid", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE cases SET paid = (SELECT COALESCE(SUM(ledger_entries.amount), 0) FROM ledger_entries"
        " WHERE ledger_entries.case_id = cases.id AND ledger_entries.way <> 'referral')"
    )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("paid")
