"""The pages about what follows a check: the decisions awaiting a second person's approval, and what
changed when open checks were judged again (with the webhook deliveries, for admins)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from compliance.server import roles, webhooks
from compliance.server.db import Change
from compliance.server.decision_store import listing, review
from compliance.server.state import state_of
from compliance.server.web import caller_for, form_of, needs, page, to_login, who_of

router = APIRouter(include_in_schema=False)


# -- decisions ----------------------------------------------------------------------------------


@router.get("/decisions")
def decisions_page(request: Request) -> Response:
    """The organisation's decisions: those awaiting a second person first, with approve and refuse."""
    who = who_of(request)
    if who is None:
        return to_login(request)
    caller = caller_for(who)
    items = listing(state_of(request), caller)
    items.sort(key=lambda d: (d["state"] != "pending", d["recorded_at"]))
    return page(request, "page-decisions.html.j2", who=who, items=items, me=caller.actor,
                may_approve=caller.may(roles.APPROVE), done=request.query_params.get("done"))  # fmt: skip


@router.post("/decisions/{decision_id}/{action}")
async def review_decision(
    request: Request, decision_id: str, action: Literal["approve", "refuse"]
) -> Response:
    who = await run_in_threadpool(who_of, request)
    if who is None:
        return to_login(request)
    await form_of(request, who)
    caller = needs(who, roles.APPROVE)
    await run_in_threadpool(
        lambda: review(state_of(request), caller, decision_id, approve=action == "approve")
    )
    return RedirectResponse(f"/decisions?done={quote(decision_id)}", status_code=303)


@router.get("/changes")
def changes_page(request: Request) -> Response:
    """What changed: the organisation's changes of verdict, newest first, with links to both checks."""
    who = who_of(request)
    if who is None:
        return to_login(request)
    caller = caller_for(who)
    state = state_of(request)
    with state.sessions() as session:
        rows = session.scalars(select(Change).where(Change.organisation_id == caller.organisation_id)
                               .order_by(Change.id.desc()).limit(200))  # fmt: skip
        changes = [webhooks.change_json(c) for c in rows]
        sent = (webhooks.deliveries(session, caller.organisation_id, None, before=None, limit=50)
                if caller.may(roles.WEBHOOKS) else None)  # fmt: skip
    return page(request, "page-changes.html.j2", who=who, rows=changes, deliveries=sent)
