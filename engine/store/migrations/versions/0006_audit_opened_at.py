"""When the completed task was opened, on its task_completed audit event

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

Per-step durations (the county dashboard) are then one column difference on the completion events,
exact for parallel branches, instead of a walk over every event of every case.
"""

import sqlalchemy as sa
from alembic import op

from engine.store.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("opened_at", UTCDateTime(), nullable=True))
    op.create_index("ix_audit_action_case", "audit_events", ["action", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_action_case", table_name="audit_events")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("opened_at")
