"""The service's tables (SQLAlchemy 2) and how a database is opened.

One schema for SQLite (the default, a file beside the server, WAL mode) and PostgreSQL. Alembic owns
the schema's history (`compliance db upgrade`); the server refuses to start on an older revision."""

from __future__ import annotations

import datetime as dt
import json
import os
import zlib
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

DEFAULT_URL = "sqlite:///compliance.db"
URL_VARIABLE = "COMPLIANCE_DATABASE_URL"


def database_url(option: str | None) -> str:
    """The URL given, else the environment's, else a SQLite file in the working folder."""
    return option or os.environ.get(URL_VARIABLE) or DEFAULT_URL


def now() -> dt.datetime:
    # Microseconds kept: checks are listed newest first, and two can come within a second.
    return dt.datetime.now(dt.UTC)


def aware(moment: dt.datetime) -> dt.datetime:
    """A stored moment in UTC: SQLite hands back naive datetimes for what was stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    #: Days stored checks and inventory jobs are kept (`compliance retention`); None: kept until deleted.
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)


def compress_reports(text: str) -> bytes:
    """The stored form of a check's reports (their JSON object's text)."""
    return zlib.compress(text.encode("utf-8"), 6)


class Token(Base):
    """An API token: the public id is shown in logs; only an argon2 hash of the secret is kept."""

    __tablename__ = "tokens"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    secret_hash: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: `compliance.server.roles`: the role, and the scopes the token is narrowed to (at most the role's).
    role: Mapped[str] = mapped_column(String(20), default="preparer")
    scopes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: After this instant the token is refused (None: never; tokens made before expiry existed).
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: When the token last authenticated a request (written at most once a minute).
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CheckRecord(Base):
    """One check, stored whole in one transaction: the report in each language and what it rests on."""

    __tablename__ = "checks"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    token_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    shipment_id: Mapped[str] = mapped_column(String(200))
    containers: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[str] = mapped_column(String(10))
    as_of: Mapped[str] = mapped_column(String(10))
    lang: Mapped[str] = mapped_column(String(8))
    rulesets_sha256: Mapped[str] = mapped_column(String(64))
    rulesets: Mapped[list[Any]] = mapped_column(JSON)
    registry_sources: Mapped[list[Any]] = mapped_column("registry", JSON)
    inputs: Mapped[list[Any]] = mapped_column(JSON)
    #: The JSON result in each language (the CLI's `--format json`, byte for byte), as one JSON object
    #: `{"en": ..., "vi": ...}` compressed with zlib (about a tenth of its size); read it as `reports`.
    #: Deferred: listings of checks never load it.
    reports_z: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    @property
    def reports(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(zlib.decompress(self.reports_z))
        return found

    __table_args__ = (
        UniqueConstraint("organisation_id", "idempotency_key", name="uq_checks_idempotency"),
        Index("ix_checks_org_created", "organisation_id", "created_at"),
        Index("ix_checks_org_shipment", "organisation_id", "shipment_id"),
    )


class InventoryJob(Base):
    """An inventory judged in the background: queued -> running -> done | failed. The upload and the
    result (JSON lines, one per output row) are kept with it, so a job survives a restart."""

    __tablename__ = "inventory_jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    token_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(200))
    inventory: Mapped[bytes] = mapped_column(LargeBinary)
    documents: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    columns: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_jobs_status", "status", "created_at"),)


class DecisionRecord(Base):
    """A decision an organisation made (the decisions file's form, as JSON). Recorded `pending`; it
    applies to checks only once `approved` by someone other than the person who recorded it."""

    __tablename__ = "decisions"
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    token_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: pending -> approved | refused (four eyes: never by `prepared_by`).
    state: Mapped[str] = mapped_column(String(10), default="pending")
    #: Who recorded it and who approved or refused it: `user:<id>` or `token:<id>`, and their names.
    prepared_by: Mapped[str] = mapped_column(String(64), default="")
    prepared_by_name: Mapped[str] = mapped_column(String(400), default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_by_name: Mapped[str | None] = mapped_column(String(400), nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AccessEntry(Base):
    """Who viewed or downloaded which check, and when (an organisation's admins read it)."""

    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    actor: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(400))
    action: Mapped[str] = mapped_column(String(20))
    check_id: Mapped[str] = mapped_column(String(32))
    what: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_access_org_id", "organisation_id", "id"),)


class SignInFailure(Base):
    """A failed sign-in, by account and by address: too many in a window refuse the next ones."""

    __tablename__ = "sign_in_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (Index("ix_sign_in_failures_key", "key", "at"),)


class User(Base):
    """A person of an organisation who signs in to the pages (password kept as an argon2 hash)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    role: Mapped[str] = mapped_column(String(20), default="preparer")


class SessionRecord(Base):
    """A signed-in browser: the cookie holds the id; forms carry the CSRF token."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WatchedCheck(Base):
    """A stored check that is still open, with what re-judging it needs: its upload (compressed), its
    options, and what it was last judged by (the bundle, the registry, the decisions in effect).

    Open while `closed_at` is empty and the shipment has not arrived (`open_until`), or while `pinned`
    open. A change of verdict moves the watch to the new check (`superseded_by`)."""

    __tablename__ = "watched_checks"
    check_id: Mapped[str] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    #: zlib of the upload's files: `{"manifest_name", "files": [[name, base64]]}`.
    upload_z: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    #: How the check was asked for: `{"as_of", "rulesets", "drafts", "ignore_decisions"}` (as_of: the
    #: day asked for, or None for the arrival day).
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The day it was last judged as of.
    as_of: Mapped[dt.date] = mapped_column(Date)
    open_until: Mapped[dt.date] = mapped_column(Date)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    superseded_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: What the check was last judged by: the bundle's hash, the registry's, the decisions'.
    rulesets_sha256: Mapped[str] = mapped_column(String(64))
    registry_sha256: Mapped[str] = mapped_column(String(64))
    decisions_sha256: Mapped[str] = mapped_column(String(64))
    #: The decisions in effect then (ids), to say which were added or expired.
    decision_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: Each item's verdict then, by item id (a change lists the items whose verdict changed).
    item_verdicts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: idle -> queued -> running -> idle: a re-judge claimed by one runner at a time, queued again
    #: when a server stops mid-way.
    status: Mapped[str] = mapped_column(String(10), default="idle")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    judged_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    #: Why the last re-judge failed (`status` failed): the check no longer judges, or a bug's incident.
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    #: The runners claim the oldest queued row: by status and time, not a scan of every watched check.
    __table_args__ = (
        Index("ix_watched_org_status", "organisation_id", "status"),
        Index("ix_watched_status_judged", "status", "judged_at"),
    )


class Change(Base):
    """A verdict that changed when a watched check was judged again: before, after, why and when."""

    __tablename__ = "changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    shipment_id: Mapped[str] = mapped_column(String(200))
    before_check: Mapped[str] = mapped_column(String(32))
    after_check: Mapped[str] = mapped_column(String(32))
    before: Mapped[str] = mapped_column(String(10))
    after: Mapped[str] = mapped_column(String(10))
    #: `{"kind": "rulesets" | "registry" | "decisions", ...what changed}`.
    cause: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The items whose verdict changed: `[{"id", "before", "after"}]`.
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)

    __table_args__ = (Index("ix_changes_org_id", "organisation_id", "id"),)


class Webhook(Base):
    """A URL an organisation registered: each change is POSTed to it, signed with its secret."""

    __tablename__ = "webhooks"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    url: Mapped[str] = mapped_column(String(2000))
    #: The HMAC key, kept as given to the organisation once (a signature needs the key itself).
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Delivery(Base):
    """One change sent to one webhook: pending -> delivered | failed, with every attempt's outcome."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id"))
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    #: `[{"at", "status_code", "error", "seconds"}]`, oldest first.
    attempts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_org_id", "organisation_id", "id"),
    )


def organisation(session: Session, name: str) -> Organisation:
    """The organisation of this name, created when new (tokens and users name theirs)."""
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(name=name)
        session.add(org)
        session.flush()
    return org


def open_engine(url: str) -> Engine:
    """An engine for the URL; SQLite files get WAL mode (readers never wait for the writer) and a busy
    timeout, so concurrent requests queue instead of failing."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Requests run in up to 40 threads: connections are kept for 20 at once (beyond the default 5,
        # each request opened a new connection and set its pragmas again, then closed it).
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, json_serializer=_json_text,
            pool_size=20, max_overflow=20,
        )  # fmt: skip

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, json_serializer=_json_text)


def _json_text(value: Any) -> str:
    return json.dumps(value)
