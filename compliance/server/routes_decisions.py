"""The API's routes for decisions on review items (recorded, approved by another person, exported)
and for the access log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from compliance.server import access, roles
from compliance.server.decision_store import add_decisions, listing, org_decisions, review
from compliance.server.intake import parse_decisions
from compliance.server.routes import json_response, read_upload
from compliance.server.state import caller_of, state_of

router = APIRouter()


# -- decisions ----------------------------------------------------------------------------------


@router.post("/v1/decisions", status_code=201, tags=["decisions"])
async def post_decisions(request: Request) -> Response:
    """Record decisions (a decisions file, JSON or YAML: `{"decisions": [...]}`) for this organisation.
    Each is `pending` until another person approves it (`POST /v1/decisions/{id}/approve`); then it
    applies to the next checks. A decision is never changed: a new one needs a new id."""
    state = state_of(request)
    caller = await run_in_threadpool(caller_of, request, roles.DECIDE)
    upload = await read_upload(request, state.settings.max_bytes)
    decisions = await run_in_threadpool(parse_decisions, upload, state.library)
    recorded = await run_in_threadpool(add_decisions, state, caller, decisions)
    return json_response({"decisions": recorded}, 201)


@router.get("/v1/decisions/states", tags=["decisions"])
def get_decision_states(
    request: Request, state: Literal["pending", "approved", "refused"] | None = None
) -> dict[str, Any]:
    """Every decision of this organisation with its state (pending, approved, refused) and who
    recorded and reviewed it; `?state=pending` lists what awaits approval."""
    caller = caller_of(request)
    return {"items": listing(state_of(request), caller, state)}


@router.post("/v1/decisions/{decision_id}/approve", tags=["decisions"])
async def approve_decision(request: Request, decision_id: str) -> dict[str, Any]:
    """Approve a pending decision (an approver, never the person who recorded it): it applies from the
    next check."""
    caller = await run_in_threadpool(caller_of, request, roles.APPROVE)
    return await run_in_threadpool(lambda: review(state_of(request), caller, decision_id, approve=True))


@router.post("/v1/decisions/{decision_id}/refuse", tags=["decisions"])
async def refuse_decision(request: Request, decision_id: str) -> dict[str, Any]:
    """Refuse a pending decision: it never applies, and stays on record."""
    caller = await run_in_threadpool(caller_of, request, roles.APPROVE)
    return await run_in_threadpool(lambda: review(state_of(request), caller, decision_id, approve=False))


@router.get("/v1/decisions", tags=["decisions"], response_class=Response)
def get_decisions(request: Request, format: Literal["json", "yaml"] = "json") -> Response:  # noqa: A002
    """This organisation's decisions in force (approved); `?format=yaml` is a decisions file for
    `compliance check --decisions`."""
    state, caller = state_of(request), caller_of(request)
    data = {"decisions": [d.model_dump(mode="json") for d in org_decisions(state, caller)]}
    if format == "yaml":
        import yaml

        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        return Response(text.encode(), media_type="application/yaml")
    return json_response(data)


# -- access log ---------------------------------------------------------------------------------


@router.get("/v1/access-log", tags=["audit"])
def get_access_log(
    request: Request,
    before: Annotated[int | None, Query(ge=1, description="The cursor: lines older than this id.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Who viewed or downloaded which of this organisation's checks, newest first (admins)."""
    caller = caller_of(request, roles.AUDIT)
    items = access.entries(state_of(request), caller, before=before, limit=limit + 1)
    more = len(items) > limit
    return {"items": items[:limit], "next_before": items[limit - 1]["id"] if more else None}
