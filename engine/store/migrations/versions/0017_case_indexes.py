"""Indexes on the case of a ledger row, a timer and a published result: a step reads its case's
pending timers and first payment, the case page its payments; without them each scanned the table
(643 017 ledger rows in the province bench)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ledger_case", "ledger_entries", ["case_id", "id"])
    op.create_index("ix_timers_case_status", "timers", ["case_id", "status"])
    op.create_index("ix_public_results_case", "public_results", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_public_results_case", table_name="public_results")
    op.drop_index("ix_timers_case_status", table_name="timers")
    op.drop_index("ix_ledger_case", table_name="ledger_entries")
