"""Throttles on the public doors (online application, objection, status lookup) counted in the
database, so every web process sees the same count

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from engine.store.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("door", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("public_attempts") as batch_op:
        batch_op.create_index("ix_public_attempts_key_at", ["door", "scope", "key_hash", "at"], unique=False)
        batch_op.create_index("ix_public_attempts_at", ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("public_attempts")
