"""Case search: the ID number backwards (its last digits as an indexed prefix) and the applicant's
name, indexed (a county's cases by start are indexed since 0004)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("applicant_id_reversed", sa.String(18), nullable=True))
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("UPDATE cases SET applicant_id_reversed = reverse(applicant_id_number)"))
    else:  # SQLite has no reverse()
        rows = connection.execute(sa.text("SELECT id, applicant_id_number FROM cases")).all()
        update = sa.text("UPDATE cases SET applicant_id_reversed = :reversed WHERE id = :id")
        if rows:
            connection.execute(update, [{"id": r.id, "reversed": (r[1] or "")[::-1]} for r in rows])
    op.create_index("ix_cases_id_reversed", "cases", ["applicant_id_reversed"])
    op.create_index("ix_cases_applicant_name", "cases", ["applicant_name"])


def downgrade() -> None:
    op.drop_index("ix_cases_applicant_name", table_name="cases")
    op.drop_index("ix_cases_id_reversed", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("applicant_id_reversed")
