"""The API's routes for what changed: the changes feed, a check's watch (open or closed), and the
organisation's webhooks with their deliveries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import select, update

from compliance.server import roles, webhooks
from compliance.server.db import Change, WatchedCheck, now
from compliance.server.problems import Problem
from compliance.server.state import caller_of, state_of
from compliance.server.store import iso

router = APIRouter()


@router.get("/v1/changes", tags=["changes"])
def get_changes(
    request: Request,
    after: Annotated[int | None, Query(ge=0, description="The cursor: changes after this id.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The changes of verdict found when this organisation's open checks were judged again, oldest
    first: before and after (with both checks), the cause, the items whose verdict changed."""
    state, caller = state_of(request), caller_of(request)
    with state.sessions() as session:
        q = select(Change).where(Change.organisation_id == caller.organisation_id)
        if after is not None:
            q = q.where(Change.id > after)
        rows = list(session.scalars(q.order_by(Change.id).limit(limit)))
    items = [webhooks.change_json(c) for c in rows]
    return {"items": items, "next_after": items[-1]["id"] if len(items) == limit else None}


def watch_json(row: WatchedCheck) -> dict[str, Any]:
    return {
        "check": row.check_id, "open_until": row.open_until.isoformat(), "pinned": row.pinned,
        "closed_at": iso(row.closed_at) if row.closed_at else None, "superseded_by": row.superseded_by,
        "status": row.status, "error": row.error, "judged_at": iso(row.judged_at), "as_of": row.as_of.isoformat(),
        "rulesets_sha256": row.rulesets_sha256, "registry_sha256": row.registry_sha256,
        "decisions": row.decision_ids,
    }  # fmt: skip


@router.get("/v1/checks/{check_id}/watch", tags=["changes"])
def get_watch(request: Request, check_id: str) -> dict[str, Any]:
    """Whether the check is watched (judged again when its rules, registry or decisions change)."""
    state, caller = state_of(request), caller_of(request, roles.READ)
    with state.sessions() as session:
        row = session.get(WatchedCheck, check_id)
    if row is None or row.organisation_id != caller.organisation_id:
        raise Problem(404, "Not found", f"no watched check {check_id} (checks whose shipment had arrived are not "
                      "watched)")  # fmt: skip
    return watch_json(row)


class WatchChange(BaseModel):
    #: true: keep judging it after its arrival day (its goods still wait); false: stop watching it.
    open: bool


@router.post("/v1/checks/{check_id}/watch", tags=["changes"])
def set_watch(request: Request, check_id: str, body: WatchChange) -> dict[str, Any]:
    """Mark a watched check open (judged as of today once its arrival day has passed) or closed."""
    state, caller = state_of(request), caller_of(request, roles.WRITE)
    values: dict[str, Any] = {"pinned": True, "closed_at": None} if body.open else {"pinned": False}
    with state.sessions() as session, session.begin():
        row = session.get(WatchedCheck, check_id)
        if row is None or row.organisation_id != caller.organisation_id:
            raise Problem(404, "Not found", f"no watched check {check_id}")
        if row.superseded_by:
            raise Problem(409, "Conflict", f"check {check_id} was judged again: watch {row.superseded_by}")
        if not body.open:
            values["closed_at"] = now()
        session.execute(update(WatchedCheck).where(WatchedCheck.check_id == check_id).values(**values))
    with state.sessions() as session:
        found = session.get(WatchedCheck, check_id)
    assert found is not None
    return watch_json(found)


class NewWebhook(BaseModel):
    url: str


@router.post("/v1/webhooks", status_code=201, tags=["changes"])
def post_webhook(request: Request, body: NewWebhook) -> dict[str, Any]:
    """Register a URL: each change of verdict is POSTed to it, signed (`Compliance-Signature`). The
    secret is in this answer only: keep it."""
    state, caller = state_of(request), caller_of(request, roles.WEBHOOKS)
    url = webhooks.checked_url(body.url, private_ok=state.settings.webhooks_private)
    with state.sessions() as session:
        return webhooks.register(session, caller.organisation_id, url)


@router.get("/v1/webhooks", tags=["changes"])
def get_webhooks(request: Request) -> dict[str, Any]:
    """This organisation's webhooks (never their secrets)."""
    state, caller = state_of(request), caller_of(request, roles.WEBHOOKS)
    with state.sessions() as session:
        return {"items": webhooks.listing(session, caller.organisation_id)}


@router.delete("/v1/webhooks/{hook_id}", status_code=204, tags=["changes"], response_class=Response)
def delete_webhook(request: Request, hook_id: str) -> Response:
    """Remove a webhook: nothing more is sent to it; its deliveries stay on record."""
    state, caller = state_of(request), caller_of(request, roles.WEBHOOKS)
    with state.sessions() as session:
        if not webhooks.remove(session, caller.organisation_id, hook_id):
            raise Problem(404, "Not found", f"no webhook {hook_id}")
    return Response(status_code=204)


@router.get("/v1/webhooks/{hook_id}/deliveries", tags=["changes"])
def get_deliveries(
    request: Request,
    hook_id: str,
    before: Annotated[
        int | None, Query(ge=1, description="The cursor: deliveries older than this id.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Every delivery to the webhook, newest first, with each attempt's status code or error."""
    state, caller = state_of(request), caller_of(request, roles.WEBHOOKS)
    with state.sessions() as session:
        items = webhooks.deliveries(session, caller.organisation_id, hook_id, before=before, limit=limit + 1)
    more = len(items) > limit
    return {"items": items[:limit], "next_before": items[limit - 1]["id"] if more else None}
