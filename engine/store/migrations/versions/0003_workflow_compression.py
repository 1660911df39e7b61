"""PostgreSQL: compress serialized workflows with lz4 instead of pglz

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Every step rewrites the case's workflow JSON (10–40 KB); pglz compression of that value was the
single most expensive statement of a step. lz4 compresses about as well here and much faster.
Servers built without lz4 keep pglz. SQLite stores text as is.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    row = bind.execute(
        sa.text(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
    ).first()
    return row is not None


def upgrade() -> None:
    if _lz4_available():
        op.execute("ALTER TABLE case_states ALTER COLUMN workflow SET COMPRESSION lz4")


def downgrade() -> None:
    if _lz4_available():
        op.execute("ALTER TABLE case_states ALTER COLUMN workflow SET COMPRESSION pglz")
