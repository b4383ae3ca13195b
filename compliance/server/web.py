"""The pages for brokers and forwarders: sign in, new check, a stored check (with decisions on its
review items), history, inventory, rulesets. Server-rendered with Jinja2, no JavaScript; each page
calls the same functions as the API. Sessions live in the database; every form carries a CSRF token."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from compliance.language.i18n import LANGUAGES, format_date, translations
from compliance.language.labels import label
from compliance.models.decisions import Decision
from compliance.models.errors import ComplianceError
from compliance.reading.resources import TEMPLATES
from compliance.render import RenderOptions, get
from compliance.render.json_format import report_from_json
from compliance.server import access, checking, roles, routes, store, users
from compliance.server.decision_store import AWAITING, add_decisions, org_decisions
from compliance.server.intake import Upload, safe_name
from compliance.server.jobs import JobOptions, check_upload, describe, new_job, with_decisions
from compliance.server.problems import Problem
from compliance.server.state import State, need, state_of
from compliance.server.tokens import Caller
from compliance.service import CheckRequest, produced_now

router = APIRouter(include_in_schema=False)
COOKIE = "compliance_session"
LOGIN_CSRF = "compliance_login_csrf"


def _env(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html.j2"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["label"] = lambda code, kind: label(kind, code, lang)
    env.filters["date"] = lambda value: format_date(value, lang)
    return env


_ENVS = {lang: _env(lang) for lang in LANGUAGES}


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get("lang") or "en"
    return asked if asked in LANGUAGES else "en"


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = _lang(request)
    html = (
        _ENVS[lang]
        .get_template(template)
        .render(request=request, lang=lang, path=request.url.path, **context)
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, samesite="lax", max_age=365 * 86400)
    return response


def who_of(request: Request) -> users.SignedIn | None:
    state = state_of(request)
    with state.sessions() as session:
        return users.signed_in(session, request.cookies.get(COOKIE))


def caller_for(who: users.SignedIn) -> Caller:
    return Caller(who.organisation_id, who.organisation, f"user:{who.user_id}", who.role,
                  roles.ROLES.get(who.role, ()), f"{who.name} <{who.email}>")  # fmt: skip


def needs(who: users.SignedIn, scope: str) -> Caller:
    caller = caller_for(who)
    need(caller, scope)
    return caller


def to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


async def form_of(request: Request, who: users.SignedIn) -> Any:
    form = await request.form(max_files=10, max_fields=40)
    if not users.csrf_ok(who.csrf, str(form.get("csrf") or "")):
        raise Problem(403, "Forbidden", "the form's CSRF token is missing or wrong: reload the page")
    return form


# -- sign in ------------------------------------------------------------------------------------


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/checks/new", status_code=303)


@router.get("/login")
def login_form(request: Request, error: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = page(
        request, "page-login.html.j2", csrf=token, error=error, next=request.query_params.get("next", "")
    )
    response.set_cookie(
        LOGIN_CSRF, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    if not users.csrf_ok(request.cookies.get(LOGIN_CSRF, ""), str(form.get("csrf") or "")):
        raise Problem(403, "Forbidden", "the sign-in form expired: reload the page")
    state = state_of(request)

    address = request.client.host if request.client else ""

    def attempt() -> users.SignInResult:
        with state.sessions() as session, session.begin():
            return users.sign_in(
                session, str(form.get("email") or ""), str(form.get("password") or ""), address
            )

    result = await run_in_threadpool(attempt)
    sid = result.session_id
    if sid is None:
        locked = result.refused == "locked"
        retry = f"{result.retry_at:%H:%M} UTC" if result.retry_at else ""
        return page(request, "page-login.html.j2", 429 if locked else 401, csrf=str(form.get("csrf")),
                    error=result.refused, retry=retry, next=str(form.get("next") or ""))  # fmt: skip
    target = str(form.get("next") or "/checks/new")
    response = RedirectResponse(
        target if target.startswith("/") and not target.startswith("//") else "/", 303
    )
    response.set_cookie(COOKIE, sid, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        max_age=users.SESSION_DAYS * 86400)  # fmt: skip
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    who = await run_in_threadpool(who_of, request)
    if who is not None:
        await form_of(request, who)
        state = state_of(request)
        with state.sessions() as session, session.begin():
            users.sign_out(session, who.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


# -- checks -------------------------------------------------------------------------------------


@router.get("/checks/new")
def new_check_form(request: Request) -> Response:
    who = who_of(request)
    if who is None:
        return to_login(request)
    return page(request, "page-new-check.html.j2", who=who, error=None)


@router.post("/checks/new")
async def new_check(request: Request) -> Response:
    who = await run_in_threadpool(who_of, request)
    if who is None:
        return to_login(request)
    form = await form_of(request, who)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not files:
        return page(request, "page-new-check.html.j2", 422, who=who, error="no_file")
    manifest = next((f for f in files if Path(f.filename or "").suffix.lower() in (".yaml", ".yml", ".json", ".xlsx")),
                    files[0])  # fmt: skip
    others = [(safe_name(f.filename, "file"), await f.read()) for f in files if f is not manifest]
    upload = Upload(safe_name(manifest.filename, "manifest.yaml"), await manifest.read(), tuple(others))
    state = state_of(request)
    as_of = str(form.get("as_of") or "")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
        check = CheckRequest(
            manifests=[], as_of=day, max_size=state.settings.max_bytes, produced_at=produced_now()
        )
        caller = needs(who, roles.WRITE)
        record = await checking.check_and_store(
            state, caller, upload, check, None, upload.digest(as_of),
            checking.OrganisationDecisions(caller.organisation_id),
        )  # fmt: skip
    except (ComplianceError, ValueError) as exc:
        return page(request, "page-new-check.html.j2", 422, who=who, error=str(exc))
    state.metrics.verdicts.labels(record.verdict).inc()
    return RedirectResponse(f"/checks/{record.id}", status_code=303)


def _checklist_parts(html: str) -> tuple[Markup, Markup]:
    """The checklist's own style and body, shown inside the page (the renderer makes the checklist)."""
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    body = re.search(r"<body>(.*)</body>", html, re.S)
    return Markup(style.group(1) if style else ""), Markup(body.group(1) if body else html)  # noqa: S704


@router.get("/checks/{check_id}")
def show_check(request: Request, check_id: str) -> Response:
    who = who_of(request)
    if who is None:
        return to_login(request)
    state, lang = state_of(request), _lang(request)
    caller = caller_for(who)
    record = routes.record_of(state, caller, check_id)
    access.record(state, request, caller, check_id, "view", f"page/{lang}")
    report = report_from_json(record.reports[lang])
    style, body = _checklist_parts(str(get("html")(report, RenderOptions(lang=lang))))
    reviews = [
        {"item": item, "ruleset": rs, "requirement": req}
        for item in report.items for rs in item.rulesets for req in rs.requirements if req.status == "review"
    ]  # fmt: skip
    default_expiry = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    return page(request, "page-check.html.j2", who=who, record=record, report=report, style=style, body=body,
                reviews=reviews if caller.may(roles.DECIDE) else [], default_expiry=default_expiry,
                decided=request.query_params.get("decided"),
                error=request.query_params.get("error"))  # fmt: skip


@router.get("/checks/{check_id}/download.{fmt}")
def download_check(request: Request, check_id: str, fmt: Literal["html", "pdf", "md"]) -> Response:
    who = who_of(request)
    if who is None:
        return to_login(request)
    state, caller = state_of(request), caller_for(who)
    record = routes.record_of(state, caller, check_id)
    access.record(state, request, caller, check_id, "download", f"{fmt}/{_lang(request)}")
    return routes.checklist_response(record, fmt, _lang(request), download=True)


@router.post("/checks/{check_id}/decide")
async def decide(request: Request, check_id: str) -> Response:
    """A broker's decision on one review item of this check; it applies to the next check."""
    who = await run_in_threadpool(who_of, request)
    if who is None:
        return to_login(request)
    form = await form_of(request, who)
    state, caller = state_of(request), needs(who, roles.DECIDE)
    record = await run_in_threadpool(routes.record_of, state, caller, check_id)
    report = report_from_json(record.reports["en"])
    item = next((i for i in report.items if i.item_id == form.get("item")), None)
    if item is None:
        raise Problem(422, "Unprocessable request", "no such item in this check")
    machine = {"serial_number": item.serial_number} if item.serial_number else {
        "shipment_item": f"{report.shipment_id}/{item.item_id}"}  # fmt: skip
    data = {
        "id": f"D-{dt.date.today():%Y%m%d}-{secrets.token_hex(3).upper()}",
        "ruleset": form.get("ruleset"), "requirement": form.get("requirement"), "item": machine,
        "destination": report.destination, "outcome": form.get("outcome"), "decided_by": f"{who.name} <{who.email}>",
        "approved_by": AWAITING, "reason": form.get("reason"), "reference": form.get("reference"),
        "decided_on": dt.date.today().isoformat(), "expires": form.get("expires"),
    }  # fmt: skip
    try:
        decision = Decision.model_validate(data)
    except ValidationError as exc:  # the first problem goes back to the form, in the field's name
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = quote(f"{where}: {first.get('msg', '')}")
        return RedirectResponse(f"/checks/{check_id}?error={message}", status_code=303)
    await run_in_threadpool(add_decisions, state, caller, [decision])
    return RedirectResponse(f"/checks/{check_id}?decided={decision.id}", status_code=303)


@router.get("/history")
def history(request: Request, shipment_id: str = "", container: str = "", verdict: str = "") -> Response:
    who = who_of(request)
    if who is None:
        return to_login(request)
    state = state_of(request)
    filters = store.Filters(shipment_id or None, container or None, verdict or None)
    with state.sessions() as session:
        rows = store.listing(session, who.organisation_id, filters, limit=200, offset=0)
    return page(request, "page-history.html.j2", who=who, rows=[store.summary(r) for r in rows],
                shipment_id=shipment_id, container=container, verdict=verdict)  # fmt: skip


# -- inventories --------------------------------------------------------------------------------


@router.get("/inventories/new")
def new_inventory_form(request: Request) -> Response:
    who = who_of(request)
    if who is None:
        return to_login(request)
    return page(request, "page-new-inventory.html.j2", who=who, error=None)


@router.post("/inventories/new")
async def new_inventory(request: Request) -> Response:
    who = await run_in_threadpool(who_of, request)
    if who is None:
        return to_login(request)
    form = await form_of(request, who)
    state, caller = state_of(request), needs(who, roles.WRITE)
    stock, docs = form.get("inventory"), form.get("documents")
    if not isinstance(stock, UploadFile) or not stock.filename:
        return page(request, "page-new-inventory.html.j2", 422, who=who, error="no_file")
    try:
        days = [
            dt.date.fromisoformat(d.strip()) for d in str(form.get("as_of") or "").split(",") if d.strip()
        ]
        options = JobOptions.parse(str(form.get("destinations") or "").split(","), days, [], False, None)
        options = with_decisions(options, await run_in_threadpool(org_decisions, state, caller))
        documents = await docs.read() if isinstance(docs, UploadFile) and docs.filename else None
        job = new_job(caller.organisation_id, caller.token_id, safe_name(stock.filename, "inventory.csv"),
                      await stock.read(), documents, options)  # fmt: skip
        await run_in_threadpool(check_upload, job, state.library)
    except (ComplianceError, ValueError) as exc:
        return page(request, "page-new-inventory.html.j2", 422, who=who, error=str(exc))
    await run_in_threadpool(routes.add_job, state, job)
    return RedirectResponse(f"/inventories/{job.id}", status_code=303)


@router.get("/inventories/{job_id}")
def show_inventory(request: Request, job_id: str) -> Response:
    who = who_of(request)
    if who is None:
        return to_login(request)
    job = routes.job_of(state_of(request), caller_for(who), job_id)
    return page(request, "page-inventory.html.j2", who=who, job=describe(job))


@router.get("/inventories/{job_id}/download.{fmt}")
def download_inventory(request: Request, job_id: str, fmt: Literal["csv", "xlsx", "jsonl"]) -> Response:
    who = who_of(request)
    if who is None:
        return to_login(request)
    return routes.inventory_result(routes.job_of(state_of(request), caller_for(who), job_id), fmt)


# -- rulesets -----------------------------------------------------------------------------------


@router.get("/rulesets")
def rulesets(request: Request) -> Response:
    who = who_of(request)
    if who is None:
        return to_login(request)
    state: State = state_of(request)
    return page(request, "page-rulesets.html.j2", who=who, rulesets=state.library.rulesets)


@router.get("/template.xlsx")
def template(request: Request) -> Response:
    import tempfile

    from compliance.reading.workbook_template import write_template

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifest.xlsx"
        write_template(path, _lang(request))
        body = path.read_bytes()
    return Response(body, media_type=routes.RESULT_MEDIA["xlsx"],
                    headers={"Content-Disposition": 'attachment; filename="manifest-template.xlsx"'})  # fmt: skip
