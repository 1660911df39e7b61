"""Case data snapshot on case_states; index audit events by task

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

The case page and the API read a case's current data; a snapshot written with each step spares them
deserializing the workflow. Looking up whether a task was ever open (a repeated submit, a task page
opened after completion) reads audit events by task id.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_states") as batch:
        batch.add_column(sa.Column("data", sa.JSON(), nullable=True))
    op.create_index("ix_audit_task", "audit_events", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_task", table_name="audit_events")
    with op.batch_alter_table("case_states") as batch:
        batch.drop_column("data")
