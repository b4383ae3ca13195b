"""The first schema: organisations, tokens, checks.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "checks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("token_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("shipment_id", sa.String(200), nullable=False),
        sa.Column("containers", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("rulesets_sha256", sa.String(64), nullable=False),
        sa.Column("rulesets", sa.JSON, nullable=False),
        sa.Column("registry", sa.JSON, nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("reports", sa.JSON, nullable=False),
        sa.UniqueConstraint("organisation_id", "idempotency_key", name="uq_checks_idempotency"),
    )
    op.create_index("ix_checks_org_created", "checks", ["organisation_id", "created_at"])
    op.create_index("ix_checks_org_shipment", "checks", ["organisation_id", "shipment_id"])


def downgrade() -> None:
    op.drop_table("checks")
    op.drop_table("tokens")
    op.drop_table("organisations")
