"""The FastAPI application: `create_app(Settings(...))`. Routes live in `routes.py`; this module wires
storage, tokens, limits, metrics and the error answers."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from compliance import __version__
from compliance.models.errors import ComplianceError
from compliance.server import jobs, migrate, problems, watch, watcher, webhooks
from compliance.server.db import open_engine
from compliance.server.limits import RateLimiter
from compliance.server.metrics import Metrics
from compliance.server.state import Settings, State
from compliance.server.tokens import Verifier
from compliance.service import Library

log = logging.getLogger("compliance.server")


def create_app(settings: Settings) -> FastAPI:
    """The app, on a database whose schema is current (else a UsageError saying how to upgrade)."""
    engine = open_engine(settings.database_url)
    migrate.ready(engine, settings.database_url, create=settings.create_schema)
    state = State(
        settings=settings,
        sessions=sessionmaker(engine, expire_on_commit=False),
        library=Library.load(settings.rulesets_dir, settings.registries),
        verifier=Verifier(),
        limiter=RateLimiter(settings.rate, settings.burst),
        metrics=Metrics(),
    )
    if settings.judges:
        from compliance.server.judges import Judges

        state.judges = Judges(
            settings.judges, settings.rulesets_dir, settings.registries, settings.database_url
        )
    watching = watch.Watch(state.sessions, state.library)  # (it hashes the registry once)
    state.registry_sha256 = watching.registry_sha256
    if settings.create_schema:  # the one process that starts first: work a stopped server left running
        jobs.recover(state.sessions)
        watch.recover(state.sessions)

    app = FastAPI(
        lifespan=_lifespan(state, watching),
        title="compliance",
        version=__version__,
        description="Compliance checks of CNC machine-tool shipments: clear / review / hold, with every "
        "unmet requirement, the documents to obtain and the legal citation. Every request needs "
        "`Authorization: Bearer <token>` (`compliance tokens create --org NAME`).",
    )
    app.state.compliance = state
    _errors(app)
    app.add_middleware(_Measured, state=state)
    from compliance.server.routes import router
    from compliance.server.routes_decisions import router as decisions
    from compliance.server.routes_watch import router as changes
    from compliance.server.web import router as pages
    from compliance.server.web_review import router as review_pages

    app.include_router(router)
    app.include_router(decisions)
    app.include_router(changes)
    app.include_router(pages)
    app.include_router(review_pages)
    return app


def _lifespan(state: State, watching: watch.Watch) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """What runs beside the requests: the inventory jobs, the watcher, the webhook deliveries and the
    judging processes; all stopped when the server stops."""
    settings = state.settings

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner = jobs.Runner(state.sessions, state.library)
        runner.start()
        background: list[watcher.Watcher | webhooks.Deliverer] = []
        if settings.watch_every > 0:
            remote = state.judges.submit if state.judges is not None else None
            background.append(watcher.Watcher(watching, settings.watch_every, remote))
            background.append(webhooks.Deliverer(state.sessions, retry_after=settings.retry_after,
                                                 private_ok=settings.webhooks_private))  # fmt: skip
        for thread in background:
            thread.start()
        if state.judges is not None:
            await asyncio.to_thread(state.judges.start)  # ready before the first request
        try:
            yield
        finally:
            runner.stopping.set()
            for thread in background:
                thread.stopping.set()
            if state.judges is not None:  # after the requests in flight have been answered
                await asyncio.to_thread(state.judges.close)

    return lifespan


def _errors(app: FastAPI) -> None:
    @app.exception_handler(problems.Problem)
    async def _problem(request: Request, exc: problems.Problem) -> Response:
        return problems.response(exc.status, exc.title, exc.detail, headers=exc.headers, **exc.extra)

    @app.exception_handler(ComplianceError)
    async def _bad_input(request: Request, exc: ComplianceError) -> Response:
        # The same words as the CLI's exit-2 message: file, line, field, what was expected.
        errors = getattr(exc, "errors", None) or [
            {"file": exc.file, "line": exc.line, "field": exc.field, "message": exc.message}
        ]
        return problems.response(422, "Unprocessable input", str(exc), errors=errors)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "header")),
             "message": e.get("msg", "")}
            for e in exc.errors()
        ]  # fmt: skip
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problems.response(422, "Unprocessable request", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return problems.response(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        incident = secrets.token_hex(8)
        log.error("incident %s: %s %s", incident, request.method, request.url.path, exc_info=exc)
        return problems.response(
            500, "Internal error",
            f"this is a bug in compliance, not in your input; quote incident {incident} when reporting it",
            incident=incident,
        )  # fmt: skip


class _Measured:
    """Counts and times every request, and answers 504 past the timeout: a plain ASGI middleware
    (Starlette's BaseHTTPMiddleware costs a task and a stream per request)."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        started = False

        async def sending(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
            await send(message)

        timeout = self.state.settings.timeout
        try:
            try:
                await asyncio.wait_for(self.app(scope, receive, sending), timeout)
            except TimeoutError:
                if started:
                    raise
                late = problems.response(
                    504, "Timed out", f"no answer within {timeout:g} s; a check may still be "
                    "stored: retry with the same Idempotency-Key to get it",
                )  # fmt: skip
                await late(scope, receive, sending)
        finally:
            name = getattr(scope.get("route"), "path", "unmatched")
            self.state.metrics.requests.labels(scope["method"], name, str(status)).inc()
            self.state.metrics.latency.labels(name).observe(time.perf_counter() - start)
