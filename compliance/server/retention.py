"""Retention: what an organisation keeps, and deleting what is older (`compliance retention run`).

An organisation's `retention_days` says how long its stored checks, inventory jobs and access-log
lines are kept; none set: kept until deleted by hand. Decisions and tokens are not touched (a decision
expires on its own day; tokens by their expiry). The run says, per organisation, what it deleted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from compliance.models.errors import UsageError
from compliance.server.db import AccessEntry, CheckRecord, InventoryJob, Organisation, now


@dataclass(frozen=True)
class Deleted:
    organisation: str
    days: int
    before: dt.datetime
    checks: int
    jobs: int
    access_lines: int
    #: The oldest and newest creation time of the checks deleted (None when none were).
    span: tuple[dt.datetime, dt.datetime] | None


def set_days(session: Session, organisation: str, days: int | None) -> None:
    if days is not None and days < 1:
        raise UsageError(f"--days is {days}; expected at least 1 (or --forever)", field="--days")
    org = session.scalar(select(Organisation).where(Organisation.name == organisation))
    if org is None:
        raise UsageError(f"no organisation {organisation!r}", field="--org")
    org.retention_days = days


def run(session: Session, *, dry_run: bool = False) -> list[Deleted]:
    """Delete (or, with ``dry_run``, count) what each organisation keeps no longer."""
    out: list[Deleted] = []
    orgs = session.scalars(
        select(Organisation).where(Organisation.retention_days.is_not(None)).order_by(Organisation.name)
    )
    for org in list(orgs):
        assert org.retention_days is not None
        before = now() - dt.timedelta(days=org.retention_days)
        old_checks = (CheckRecord.organisation_id == org.id, CheckRecord.created_at < before)
        count, first, last = session.execute(
            select(func.count(), func.min(CheckRecord.created_at), func.max(CheckRecord.created_at)).where(
                *old_checks
            )
        ).one()
        old_jobs = (InventoryJob.organisation_id == org.id, InventoryJob.created_at < before)
        old_lines = (AccessEntry.organisation_id == org.id, AccessEntry.at < before)
        jobs = session.scalar(select(func.count()).select_from(InventoryJob).where(*old_jobs)) or 0
        lines = session.scalar(select(func.count()).select_from(AccessEntry).where(*old_lines)) or 0
        if not dry_run:
            session.execute(delete(CheckRecord).where(*old_checks))
            session.execute(delete(InventoryJob).where(*old_jobs))
            session.execute(delete(AccessEntry).where(*old_lines))
        out.append(Deleted(org.name, org.retention_days, before, count, jobs, lines,
                           (first, last) if count else None))  # fmt: skip
    return out
