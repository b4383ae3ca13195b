"""The FastAPI application: `create_app(Settings(...))`. Routes live in `routes.py`; this module wires
storage, tokens, limits, metrics and the error answers."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from compliance import __version__
from compliance.errors import ComplianceError
from compliance.loading import DEFAULT_MAX_BYTES
from compliance.server import jobs, migrate, problems
from compliance.server.db import open_engine
from compliance.server.limits import RateLimiter
from compliance.server.metrics import Metrics
from compliance.server.tokens import Caller, Verifier
from compliance.service import Library

if TYPE_CHECKING:  # (the judges import the app's State)
    from compliance.server.judges import Judges

log = logging.getLogger("compliance.server")


@dataclass(frozen=True)
class Settings:
    database_url: str
    rulesets_dir: Path | None = None
    registries: list[Path] = field(default_factory=list)
    #: The largest request body (the CLI's manifest limit).
    max_bytes: int = DEFAULT_MAX_BYTES
    #: Requests a second per token (0: no limit), and the burst allowed above it.
    rate: float = 50.0
    burst: int = 100
    #: Create the schema in an empty database (a database at an older revision is always refused).
    create_schema: bool = True
    #: Seconds before a request is answered 504 (its work may still finish: retry with the same
    #: Idempotency-Key to get the stored check rather than a second one).
    timeout: float = 60.0
    #: Processes that judge checks (`compliance.server.judges`); 0: this process's threads judge.
    judges: int = 0


@dataclass
class State:
    settings: Settings
    sessions: sessionmaker[Session]
    library: Library
    verifier: Verifier
    limiter: RateLimiter
    metrics: Metrics
    #: Checks judged at once in this process. Judging holds the interpreter's lock: twenty checks
    #: sharing it all finish late together, while two at a time, the rest waiting their turn in
    #: order of arrival, finish each in its own few milliseconds (same throughput, a short tail).
    judging: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    judges: Judges | None = None


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
    if settings.create_schema:  # the one process that starts first: jobs a stopped server left running
        jobs.recover(state.sessions)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runner = jobs.Runner(state.sessions, state.library)
        runner.start()
        if state.judges is not None:
            await asyncio.to_thread(state.judges.start)  # ready before the first request
        try:
            yield
        finally:
            runner.stopping.set()
            if state.judges is not None:  # after the requests in flight have been answered
                await asyncio.to_thread(state.judges.close)

    app = FastAPI(
        lifespan=lifespan,
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
    from compliance.server.web import router as pages

    app.include_router(router)
    app.include_router(pages)
    return app


def state_of(request: Request) -> State:
    found: State = request.app.state.compliance
    return found


def known_caller(request: Request) -> Caller | None:
    """The caller of a token verified before, without a database session (so on the event loop);
    None when the token must be looked up (`caller_of`). The rate limit is taken here too."""
    state = state_of(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    found = state.verifier.known(token.strip()) if scheme.lower() == "bearer" else None
    if found is not None:
        _rate(state, found)
    return found


def _rate(state: State, caller: Caller) -> None:
    wait = state.limiter.take(caller.token_id)
    if wait:
        raise problems.Problem(429, "Too Many Requests", f"rate limit reached; retry in {wait} s",
                               headers={"Retry-After": str(wait)})  # fmt: skip


def caller_of(request: Request) -> Caller:
    """The organisation behind the request's token; 401 without a valid one, 429 over its rate."""
    state = state_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise problems.Problem(401, "Unauthorized", "send Authorization: Bearer <token>",
                               headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    with state.sessions() as session:
        found = state.verifier.caller(session, token.strip())
    if found is None:
        raise problems.Problem(401, "Unauthorized", "the token is unknown or revoked",
                               headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    _rate(state, found)
    return found


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
