"""Roles, token scopes and expiry, decisions that wait for a second person, the access log and
sign-in failures.

Rows made before: every token keeps what it could do (role admin, every scope, no expiry: revoke
and replace them with expiring tokens); every user becomes an approver; every decision stays in
force (approved: it was recorded as a file that named its approver).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ALL_SCOPES = ["checks:read", "checks:write", "decisions:write", "decisions:approve", "audit:read"]


def upgrade() -> None:
    op.add_column("tokens", sa.Column("role", sa.String(20), nullable=False, server_default="preparer"))
    op.add_column("tokens", sa.Column("scopes", sa.JSON, nullable=True))
    op.add_column("tokens", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tokens", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table("tokens", sa.column("role", sa.String), sa.column("scopes", sa.JSON))
    op.execute(tokens.update().values(role="admin", scopes=_ALL_SCOPES))
    op.add_column("users", sa.Column("role", sa.String(20), nullable=False, server_default="preparer"))
    op.execute(sa.table("users", sa.column("role", sa.String)).update().values(role="approver"))
    for column in (
        sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("prepared_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("prepared_by_name", sa.String(400), nullable=False, server_default=""),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("reviewed_by_name", sa.String(400), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    ):
        op.add_column("decisions", column)
    decisions = sa.table(
        "decisions", sa.column("state", sa.String), sa.column("prepared_by", sa.String),
        sa.column("token_id", sa.String),
    )  # fmt: skip
    op.execute(decisions.update().values(state="approved", prepared_by=decisions.c.token_id))
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(400), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("check_id", sa.String(32), nullable=False),
        sa.Column("what", sa.String(40), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
    )
    op.create_index("ix_access_org_id", "access_log", ["organisation_id", "id"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sign_in_failures_key", "sign_in_failures", ["key", "at"])


def downgrade() -> None:
    op.drop_table("sign_in_failures")
    op.drop_table("access_log")
    for name in (
        "reviewed_at",
        "reviewed_by_name",
        "reviewed_by",
        "prepared_by_name",
        "prepared_by",
        "state",
    ):
        with op.batch_alter_table("decisions") as batch:
            batch.drop_column(name)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("role")
    with op.batch_alter_table("tokens") as batch:
        for name in ("last_used_at", "expires_at", "scopes", "role"):
            batch.drop_column(name)
