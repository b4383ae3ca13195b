"""Checks kept in the database: saved whole in one transaction, read back per organisation only."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from compliance.server.db import CheckRecord, WatchedCheck, aware, now


@dataclass(frozen=True)
class Filters:
    shipment_id: str | None = None
    container: str | None = None
    verdict: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


#: The stored columns, by their attribute names.
_COLUMNS = list(inspect(CheckRecord).column_attrs)
_WATCH_COLUMNS = list(inspect(WatchedCheck).column_attrs)


def new_id() -> str:
    return secrets.token_hex(12)


def save(session: Session, record: CheckRecord, watched: WatchedCheck | None = None) -> CheckRecord:
    """Store a check (and its watch) in one transaction. A concurrent request with the same idempotency
    key that committed first wins: its record is returned instead."""
    # One INSERT statement, not the ORM's unit of work for one new object (storing took a fifth of
    # the server process's time per check); the record stays a plain object for the answer.
    values = {c.key: getattr(record, c.key) for c in _COLUMNS}
    try:
        with session.begin():
            session.execute(insert(CheckRecord), [values])
            if watched is not None:
                session.execute(
                    insert(WatchedCheck), [{c.key: getattr(watched, c.key) for c in _WATCH_COLUMNS}]
                )
    except IntegrityError:
        session.rollback()
        if record.idempotency_key is None:
            raise
        found = by_idempotency(session, record.organisation_id, record.idempotency_key)
        if found is None:
            raise
        return found
    return record


def by_idempotency(session: Session, organisation_id: int, key: str) -> CheckRecord | None:
    return session.scalar(
        select(CheckRecord)
        .options(undefer(CheckRecord.reports_z))
        .where(CheckRecord.organisation_id == organisation_id, CheckRecord.idempotency_key == key)
    )


def get(session: Session, organisation_id: int, check_id: str) -> CheckRecord | None:
    """A check of this organisation; another organisation's id is not found (never forbidden)."""
    return session.scalar(
        select(CheckRecord)
        .options(undefer(CheckRecord.reports_z))
        .where(CheckRecord.organisation_id == organisation_id, CheckRecord.id == check_id)
    )


def listing(
    session: Session, organisation_id: int, filters: Filters, *, limit: int, offset: int
) -> list[CheckRecord]:
    q = select(CheckRecord).where(CheckRecord.organisation_id == organisation_id)
    if filters.shipment_id:
        q = q.where(CheckRecord.shipment_id == filters.shipment_id)
    if filters.verdict:
        q = q.where(CheckRecord.verdict == filters.verdict)
    if filters.container:
        q = q.where(CheckRecord.containers.contains(f",{filters.container},"))
    if filters.since:
        q = q.where(CheckRecord.created_at >= dt.datetime.combine(filters.since, dt.time(), dt.UTC))
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        q = q.where(CheckRecord.created_at < end)
    q = q.order_by(CheckRecord.created_at.desc(), CheckRecord.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(q))


def summary(record: CheckRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "created_at": iso(record.created_at),
        "shipment_id": record.shipment_id,
        "containers": [c for c in record.containers.split(",") if c],
        "verdict": record.verdict,
        "as_of": record.as_of,
        "rulesets_sha256": record.rulesets_sha256,
    }


def whole_text(record: CheckRecord, organisation: str, lang: str, report: str) -> bytes:
    """`whole` as JSON bytes, with the report's JSON text (written once, where it was judged) put in."""
    head = orjson.dumps(whole(record, organisation, lang, with_report=False))
    return head[:-1] + b',"report":' + report.encode() + b"}"


def whole(record: CheckRecord, organisation: str, lang: str, *, with_report: bool = True) -> dict[str, Any]:
    """A stored check as the API returns it: the report in ``lang`` and everything it rests on."""
    return {
        **summary(record),
        "requested_by": {"organisation": organisation, "token": record.token_id},
        "inputs": record.inputs,
        "rulesets": record.rulesets,
        "registry": record.registry_sources,
        "lang": lang,
        **({"report": record.reports[lang]} if with_report else {}),
    }


def iso(moment: dt.datetime) -> str:
    """A stored moment as the API writes it: UTC, seconds, a Z."""
    return aware(moment).astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


__all__ = [
    "Filters",
    "by_idempotency",
    "get",
    "listing",
    "new_id",
    "now",
    "save",
    "summary",
    "whole",
    "whole_text",
]
