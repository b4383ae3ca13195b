"""Decisions on review items, per organisation.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("token_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("decisions")
