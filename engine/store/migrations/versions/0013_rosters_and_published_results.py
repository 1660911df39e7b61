"""The county's rosters (低保, 特困, 建档立卡, 返贫): a household's status is confirmed against them;
the published results (救助结果公开); the township reserve funds (备用金); the 备案 watch list

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("roster", sa.String(12), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("listed_on", sa.String(10), nullable=True),
        sa.Column("valid_until", sa.String(10), nullable=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("county_code", "roster", "id_number"),
    )
    op.create_index("ix_roster_entries_id_number", "roster_entries", ["id_number"])
    op.create_table(
        "public_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("township_code", sa.String(9), nullable=False),
        sa.Column("masked_name", sa.String(100), nullable=False),
        sa.Column("masked_id_number", sa.String(18), nullable=False),
        sa.Column("category", sa.String(20), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("way", sa.String(20), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=False),
        sa.Column("publish_by", sa.DateTime(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_public_results_township", "public_results", ["township_code", "published_at"])
    op.create_table(
        "reserve_movements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("township_code", sa.String(9), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_reserve_movements_township", "reserve_movements", ["township_code", "id"])
    op.create_table(
        "watch_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("county_code", sa.String(6), nullable=False),
        sa.Column("area_code", sa.String(12), nullable=False),
        sa.Column("applicant_name", sa.String(100), nullable=False),
        sa.Column("applicant_id_number", sa.String(18), nullable=False),
        sa.Column("reason_code", sa.String(40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_watch_entries_county", "watch_entries", ["county_code", "registered_at"])


def downgrade() -> None:
    op.drop_index("ix_watch_entries_county", "watch_entries")
    op.drop_table("watch_entries")
    op.drop_index("ix_reserve_movements_township", "reserve_movements")
    op.drop_table("reserve_movements")
    op.drop_index("ix_public_results_township", "public_results")
    op.drop_table("public_results")
    op.drop_index("ix_roster_entries_id_number", "roster_entries")
    op.drop_table("roster_entries")
