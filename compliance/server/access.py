"""The access log: who viewed or downloaded which stored check, when, and from where. Written in the
request that shows the check; read by the organisation's admins (`GET /v1/access-log`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import select

from compliance.server.db import AccessEntry, now
from compliance.server.state import State
from compliance.server.tokens import Caller


def record(state: State, request: Request, caller: Caller, check_id: str, action: str, what: str) -> None:
    """One line: ``action`` is `view` (the check's JSON or page) or `download` (a checklist file)."""
    address = request.client.host if request.client else ""
    with state.sessions() as session, session.begin():
        session.add(AccessEntry(organisation_id=caller.organisation_id, at=now(), actor=caller.actor,
                                actor_name=caller.name, action=action, check_id=check_id, what=what,
                                address=address[:64]))  # fmt: skip


def entries(state: State, caller: Caller, *, before: int | None, limit: int) -> list[dict[str, Any]]:
    """The organisation's lines, newest first, ``limit`` of them before the cursor ``before`` (an id)."""
    with state.sessions() as session:
        query = select(AccessEntry).where(AccessEntry.organisation_id == caller.organisation_id)
        if before is not None:
            query = query.where(AccessEntry.id < before)
        rows = session.scalars(query.order_by(AccessEntry.id.desc()).limit(limit))
        return [
            {"id": r.id, "at": r.at.isoformat(), "who": r.actor_name, "actor": r.actor, "action": r.action,
             "check_id": r.check_id, "what": r.what, "address": r.address}
            for r in rows
        ]  # fmt: skip
