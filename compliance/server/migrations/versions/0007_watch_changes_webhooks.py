"""Watch and tell: open checks kept with their upload for re-judging, the changes of verdict found,
and the webhooks they are sent to with every delivery's outcome. Admin tokens that had every scope
get the new one, `webhooks:manage`.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_SCOPES = {"checks:read", "checks:write", "decisions:write", "decisions:approve", "audit:read"}
NEW_SCOPE = "webhooks:manage"


def upgrade() -> None:
    _watched_checks()
    _changes_and_deliveries()
    _scope_for_admins()


def _watched_checks() -> None:
    op.create_table(
        "watched_checks",
        sa.Column(
            "check_id", sa.String(32), sa.ForeignKey("checks.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("upload_z", sa.LargeBinary, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("open_until", sa.Date, nullable=False),
        sa.Column("pinned", sa.Boolean, nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_by", sa.String(32), nullable=True),
        sa.Column("rulesets_sha256", sa.String(64), nullable=False),
        sa.Column("registry_sha256", sa.String(64), nullable=False),
        sa.Column("decisions_sha256", sa.String(64), nullable=False),
        sa.Column("decision_ids", sa.JSON, nullable=False),
        sa.Column("item_verdicts", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_watched_org_status", "watched_checks", ["organisation_id", "status"])
    op.create_index("ix_watched_status_judged", "watched_checks", ["status", "judged_at"])


def _changes_and_deliveries() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shipment_id", sa.String(200), nullable=False),
        sa.Column("before_check", sa.String(32), nullable=False),
        sa.Column("after_check", sa.String(32), nullable=False),
        sa.Column("before", sa.String(10), nullable=False),
        sa.Column("after", sa.String(10), nullable=False),
        sa.Column("cause", sa.JSON, nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
    )
    op.create_index("ix_changes_org_id", "changes", ["organisation_id", "id"])
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("webhook_id", sa.String(32), sa.ForeignKey("webhooks.id"), nullable=False),
        sa.Column("change_id", sa.Integer, sa.ForeignKey("changes.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.JSON, nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_org_id", "deliveries", ["organisation_id", "id"])


def _scope_for_admins() -> None:
    conn = op.get_bind()
    tokens = sa.table("tokens", sa.column("id", sa.String), sa.column("scopes", sa.JSON))
    for token_id, role, scopes in conn.execute(sa.text("SELECT id, role, scopes FROM tokens")).all():
        held = json.loads(scopes) if isinstance(scopes, str) else list(scopes or [])
        if role == "admin" and set(held) >= OLD_SCOPES and NEW_SCOPE not in held:
            conn.execute(tokens.update().where(tokens.c.id == token_id).values(scopes=[*held, NEW_SCOPE]))


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("webhooks")
    op.drop_table("changes")
    op.drop_table("watched_checks")
