"""What every request handler reads: the server's settings and state, and the caller behind a request's
token (401 without a valid one, 429 over its rate). Kept apart from the app so that the routes, the
pages and the judging code import it without importing the app (which imports them)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from compliance.reading.loading import DEFAULT_MAX_BYTES
from compliance.server import problems, roles
from compliance.server.limits import RateLimiter
from compliance.server.metrics import Metrics
from compliance.server.tokens import Caller, Verifier
from compliance.service import Library

if TYPE_CHECKING:  # (the judging processes' pool imports the state's readers)
    from compliance.server.judges import Judges


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
    #: Seconds between two scans of the watched checks (0: no watch in this server).
    watch_every: float = 30.0
    #: Seconds before a failed webhook delivery is tried again, doubled at each failure (at most an hour).
    retry_after: float = 30.0
    #: Webhooks may point at loopback and private addresses (tests, a receiver on the same network).
    webhooks_private: bool = False


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
    #: The registry's content hash: what a watched check records it was judged by.
    registry_sha256: str = ""


def state_of(request: Request) -> State:
    found: State = request.app.state.compliance
    return found


def known_caller(request: Request, scope: str) -> Caller | None:
    """The caller of a token verified a moment ago, without a database session (so on the event loop);
    None when the token must be looked up (`caller_of`). The rate limit and the scope are taken here too."""
    state = state_of(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    found = state.verifier.known(token.strip()) if scheme.lower() == "bearer" else None
    if found is not None:
        _rate(state, found)
        need(found, scope)
    return found


def need(caller: Caller, scope: str) -> None:
    """403 unless the caller's role and scopes both allow ``scope``."""
    if not caller.may(scope):
        raise problems.Problem(
            403, "Forbidden",
            f"this needs the scope {scope}; the {'token' if caller.actor.startswith('token:') else 'user'} "
            f"has the role {caller.role} and the scopes {', '.join(caller.scopes) or 'none'}",
            needed_scope=scope,
        )  # fmt: skip


def _rate(state: State, caller: Caller) -> None:
    wait = state.limiter.take(caller.token_id)
    if wait:
        raise problems.Problem(429, "Too Many Requests", f"rate limit reached; retry in {wait} s",
                               headers={"Retry-After": str(wait)})  # fmt: skip


def caller_of(request: Request, scope: str = roles.READ) -> Caller:
    """The organisation behind the request's token; 401 without a valid one (unknown, revoked or
    expired), 429 over its rate, 403 without ``scope``."""
    state = state_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise problems.Problem(401, "Unauthorized", "send Authorization: Bearer <token>",
                               headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    with state.sessions() as session:
        found = state.verifier.caller(session, token.strip())
    if found is None:
        raise problems.Problem(401, "Unauthorized", "the token is unknown, revoked or expired",
                               headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    _rate(state, found)
    need(found, scope)
    return found
