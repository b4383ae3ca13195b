"""Inventory jobs: an upload judged in the background, its state and result kept in the database.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inventory_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("token_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("inventory", sa.LargeBinary, nullable=False),
        sa.Column("documents", sa.LargeBinary, nullable=True),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("rows_done", sa.Integer, nullable=False),
        sa.Column("columns", sa.JSON, nullable=True),
        sa.Column("summary", sa.JSON, nullable=True),
        sa.Column("result", sa.LargeBinary, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_jobs_status", "inventory_jobs", ["status", "created_at"])


def downgrade() -> None:
    op.drop_table("inventory_jobs")
