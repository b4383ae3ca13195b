"""The API's routes, versioned under /v1; health and metrics at the root."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select, text
from starlette.datastructures import UploadFile

from compliance.reading.days import judging_days
from compliance.render import BINARY, RenderOptions, get
from compliance.render.json_format import report_from_json
from compliance.server import access, roles, store
from compliance.server.checking import body_of, stored_or_checked
from compliance.server.db import CheckRecord, InventoryJob
from compliance.server.decision_store import org_decisions
from compliance.server.intake import (
    JSON_TYPES,
    XLSX_TYPES,
    YAML_TYPES,
    Upload,
    safe_name,
)
from compliance.server.jobs import JobOptions, check_upload, converted, describe, new_job, with_decisions
from compliance.server.problems import Problem
from compliance.server.state import State, caller_of, known_caller, state_of
from compliance.server.tokens import Caller
from compliance.service import CheckRequest, produced_now

router = APIRouter()
Lang = Literal["en", "vi"]
MEDIA = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8", "pdf": "application/pdf"}
FORMATS = {"html": "html", "md": "markdown", "pdf": "pdf"}


# -- checks -------------------------------------------------------------------------------------


@router.post("/v1/checks", status_code=201, tags=["checks"])
async def post_check(
    request: Request,
    response: Response,
    as_of: dt.date | None = None,
    rulesets: Annotated[str | None, Query(description="Ruleset ids, comma-separated (default: all).")] = None,
    drafts: bool = False,
    lang: Lang = "en",
    ignore_decisions: bool = False,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Check a manifest (JSON or YAML body, or a multipart upload: `manifest` and its PACT files).

    Stores and returns the report (the CLI's JSON result) with the check's id, the SHA-256 of every
    input, the ruleset bundle hash and the registry used."""
    state = state_of(request)
    known = known_caller(request, roles.WRITE)
    caller: Caller = known if known is not None else await run_in_threadpool(caller_of, request, roles.WRITE)
    upload = await read_upload(request, state.settings.max_bytes)
    options = json.dumps([str(as_of), rulesets, drafts, ignore_decisions], sort_keys=True)
    digest = upload.digest(options)
    check = CheckRequest(
        manifests=[], ruleset_ids=[r.strip() for r in (rulesets or "").split(",") if r.strip()], as_of=as_of,
        drafts=drafts, max_size=state.settings.max_bytes, produced_at=produced_now(),
    )  # fmt: skip
    record, made, body = await stored_or_checked(
        state, caller, upload, check, idempotency_key, digest, ignore_decisions, lang
    )
    if not made or record.request_hash != digest:  # replayed, or another request with the key won
        return _replay(record, digest, caller, lang)
    state.metrics.verdicts.labels(record.verdict).inc()
    return Response(
        body, status_code=201, media_type="application/json", headers={"Location": f"/v1/checks/{record.id}"}
    )


def _replay(record: CheckRecord, digest: str, caller: Caller, lang: str) -> Response:
    if record.request_hash != digest:
        raise Problem(422, "Idempotency-Key reused", "this Idempotency-Key was used for a different request")
    return json_response(store.whole(record, caller.organisation, lang), 200, {"Idempotent-Replayed": "true"})


def json_response(data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body_of(data), status_code=status, media_type="application/json", headers=headers)


async def read_upload(request: Request, limit: int) -> Upload:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, "Request too large", f"the request is larger than {limit} bytes")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        if declared is None:
            raise Problem(411, "Length required", "a multipart upload needs a Content-Length")
        form = await request.form(max_files=50, max_fields=50)
        files = [(k, v) for k, v in form.multi_items() if isinstance(v, UploadFile)]
        manifest = next((f for k, f in files if k == "manifest"), None)
        if manifest is None:
            raise Problem(422, "Unprocessable request", "the upload has no file field named 'manifest'")
        others: list[tuple[str, bytes]] = []
        for k, f in files:
            if f is not manifest:
                others.append((safe_name(f.filename, k), await f.read()))
        return Upload(safe_name(manifest.filename, "manifest.yaml"), await manifest.read(), tuple(others))
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise Problem(413, "Request too large", f"the request is larger than {limit} bytes")
    if kind in JSON_TYPES:
        return Upload("manifest.json", bytes(body))
    if kind in XLSX_TYPES:
        return Upload("manifest.xlsx", bytes(body))
    if kind in YAML_TYPES or kind == "":
        return Upload("manifest.yaml", bytes(body))
    raise Problem(415, "Unsupported media type",
                  "send application/json, application/yaml, an XLSX workbook, or multipart/form-data with a "
                  "'manifest' file")  # fmt: skip


@router.get("/v1/checks", tags=["checks"])
def list_checks(
    request: Request,
    shipment_id: str | None = None,
    container: str | None = None,
    verdict: Literal["clear", "review", "hold"] | None = None,
    since: Annotated[dt.date | None, Query(alias="from")] = None,
    until: Annotated[dt.date | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """This organisation's checks, newest first, filtered and paged."""
    state, caller = state_of(request), caller_of(request)
    filters = store.Filters(shipment_id, container, verdict, since, until)
    with state.sessions() as session:
        rows = store.listing(session, caller.organisation_id, filters, limit=limit + 1, offset=offset)
    return {
        "items": [store.summary(r) for r in rows[:limit]],
        "next_offset": offset + limit if len(rows) > limit else None,
    }


@router.get("/v1/checks/{check_id}", tags=["checks"])
def get_check(request: Request, check_id: str, lang: Lang = "en") -> Response:
    state, caller = state_of(request), caller_of(request)
    found = record_of(state, caller, check_id)
    access.record(state, request, caller, check_id, "view", f"json/{lang}")
    return json_response(store.whole(found, caller.organisation, lang))


@router.get("/v1/checks/{check_id}/checklist.{fmt}", tags=["checks"], response_class=Response)
def get_checklist(
    request: Request, check_id: str, fmt: Literal["html", "pdf", "md"], lang: Lang = "en"
) -> Response:
    """The broker's checklist of a stored check, in English or Vietnamese."""
    state, caller = state_of(request), caller_of(request)
    found = record_of(state, caller, check_id)
    access.record(state, request, caller, check_id, "download", f"{fmt}/{lang}")
    return checklist_response(found, fmt, lang)


def checklist_response(record: CheckRecord, fmt: str, lang: str, *, download: bool = False) -> Response:
    """A stored check's checklist, rendered from the report stored in ``lang`` (never judged again)."""
    out = get(FORMATS[fmt])(report_from_json(record.reports[lang]), RenderOptions(lang=lang))
    body = out if FORMATS[fmt] in BINARY else str(out).encode()
    headers = {}
    if download:
        name = f"checklist-{safe_name(record.shipment_id, 'shipment')}-{lang}.{fmt}"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(content=body, media_type=MEDIA[fmt], headers=headers)


def record_of(state: State, caller: Caller, check_id: str) -> CheckRecord:
    with state.sessions() as session:
        found = store.get(session, caller.organisation_id, check_id)
    if found is None:  # another organisation's check is not found, never forbidden
        raise Problem(404, "Not found", f"no check {check_id}")
    return found


# -- rulesets and schemas -----------------------------------------------------------------------


@router.get("/v1/rulesets", tags=["rulesets"])
def list_rulesets(request: Request) -> dict[str, Any]:
    state = state_of(request)
    caller_of(request)
    return {"items": [_ruleset(rs, whole=False) for rs in state.library.rulesets]}


@router.get("/v1/rulesets/{ruleset_id}", tags=["rulesets"])
def get_ruleset(request: Request, ruleset_id: str) -> dict[str, Any]:
    state = state_of(request)
    caller_of(request)
    for rs in state.library.rulesets:
        if rs.id == ruleset_id:
            return _ruleset(rs, whole=True)
    raise Problem(404, "Not found", f"no ruleset {ruleset_id}")


def _ruleset(rs: Any, *, whole: bool) -> dict[str, Any]:
    versions = [
        {"version": v.version, "effective_from": v.effective_from.isoformat(),
         "effective_to": v.effective_to.isoformat() if v.effective_to else None, "status": v.status,
         **({"requirements": [r.id for r in v.requirements]} if whole else {})}
        for v in rs.versions
    ]  # fmt: skip
    out = {"id": rs.id, "title": rs.title.translations, "jurisdiction": rs.jurisdiction, "instrument": rs.instrument,
           "versions": versions}  # fmt: skip
    if whole:
        out["sources"] = [s.model_dump(mode="json") for s in rs.sources]
    return out


@router.get("/v1/schemas/{what}", tags=["schemas"])
def get_schema(what: Literal["manifest", "result", "registry", "ruleset", "decisions"]) -> dict[str, Any]:
    """The JSON Schema of a file the service reads or writes (as `compliance schema` prints it)."""
    from compliance.models.schemas import schema

    return schema(what)


# -- operations ---------------------------------------------------------------------------------


@router.get("/healthz", tags=["operations"])
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", tags=["operations"])
def readyz(request: Request) -> dict[str, Any]:
    """Ready when the database answers and the rulesets are loaded."""
    state = state_of(request)
    try:
        with state.sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database means not ready
        raise Problem(503, "Not ready", f"the database does not answer: {type(exc).__name__}") from None
    return {"status": "ready", "rulesets": len(state.library.rulesets)}


@router.get("/metrics", tags=["operations"], response_class=Response)
def metrics(request: Request) -> Response:
    return Response(generate_latest(state_of(request).metrics.registry), media_type=CONTENT_TYPE_LATEST)


# -- inventory jobs -----------------------------------------------------------------------------

RESULT_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson",
}


@router.post("/v1/inventories", status_code=202, tags=["inventories"])
async def post_inventory(
    request: Request,
    destination: Annotated[list[str], Query(description="ISO 3166 alpha-2, repeatable or comma-separated.")],
    as_of: Annotated[
        list[str] | None,
        Query(description="Days to judge on (repeatable), or a series such as R12/2027-01-01/P1M."),
    ] = None,
    rulesets: str | None = None,
    drafts: bool = False,
    sheet: str | None = None,
    ignore_decisions: bool = False,
) -> Response:
    """Judge an inventory (multipart: an `inventory` CSV, XLSX or Parquet file, optionally a
    `documents` YAML file) in the background: 202 and the job; its progress and result at
    `/v1/inventories/{id}`."""
    state = state_of(request)
    caller = await run_in_threadpool(caller_of, request, roles.WRITE)
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise Problem(411, "Length required", "an inventory upload needs a Content-Length")
    if int(declared) > state.settings.max_bytes:
        raise Problem(
            413, "Request too large", f"the request is larger than {state.settings.max_bytes} bytes"
        )
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "multipart/form-data":
        raise Problem(415, "Unsupported media type", "send multipart/form-data with an 'inventory' file")
    form = await request.form(max_files=5, max_fields=20)
    files = {k: v for k, v in form.multi_items() if isinstance(v, UploadFile)}
    if "inventory" not in files:
        raise Problem(422, "Unprocessable request", "the upload has no file field named 'inventory'")
    upload = files["inventory"]
    name = safe_name(upload.filename, "inventory.csv")
    if Path(name).suffix.lower() not in (".csv", ".xlsx", ".parquet"):
        name += ".csv"
    documents = await files["documents"].read() if "documents" in files else None
    options = JobOptions.parse(
        [d for v in destination for d in v.split(",")], judging_days(list(as_of or []), "as_of"),
        [r.strip() for r in (rulesets or "").split(",") if r.strip()], drafts, sheet,
    )  # fmt: skip
    if not ignore_decisions:
        options = with_decisions(options, await run_in_threadpool(org_decisions, state, caller))
    job = new_job(caller.organisation_id, caller.token_id, name, await upload.read(), documents, options)
    await run_in_threadpool(check_upload, job, state.library)
    await run_in_threadpool(add_job, state, job)
    return json_response(describe(job), 202, {"Location": f"/v1/inventories/{job.id}"})


def add_job(state: State, job: InventoryJob) -> None:
    with state.sessions() as session, session.begin():
        session.add(job)


def job_of(state: State, caller: Caller, job_id: str) -> InventoryJob:
    with state.sessions() as session:
        found = session.scalar(
            select(InventoryJob).where(
                InventoryJob.organisation_id == caller.organisation_id, InventoryJob.id == job_id
            )
        )
    if found is None:
        raise Problem(404, "Not found", f"no inventory job {job_id}")
    return found


@router.get("/v1/inventories/{job_id}", tags=["inventories"])
def get_inventory(request: Request, job_id: str) -> Response:
    state, caller = state_of(request), caller_of(request)
    return json_response(describe(job_of(state, caller, job_id)))


@router.get("/v1/inventories/{job_id}/result.{fmt}", tags=["inventories"], response_class=Response)
def get_inventory_result(request: Request, job_id: str, fmt: Literal["csv", "xlsx", "jsonl"]) -> Response:
    """The verdicts, one row per machine and destination (as `compliance inventory --output`)."""
    state, caller = state_of(request), caller_of(request)
    return inventory_result(job_of(state, caller, job_id), fmt)


def inventory_result(job: InventoryJob, fmt: str) -> Response:
    if job.status != "done":
        raise Problem(409, "Not ready", f"the job is {job.status}", status_of_job=job.status)
    name = f"verdicts-{job.id}.{fmt}"
    return Response(converted(job, fmt), media_type=RESULT_MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
