"""API tokens: random, shown once, stored as an argon2 hash; an organisation, a role, scopes and an
expiry per token.

A token reads ``cmp_<id>_<secret>``: the id finds the row (and names the token in logs), the secret
is checked against its argon2 hash. A verified token is remembered in memory (by a SHA-256 of the
whole token) so that each request does not pay argon2's deliberate slowness again; the memory holds
it for `RECHECK_SECONDS` only, after which the row is read again, so a token revoked from the command
line (another process) is refused within that time. Expiry is checked on every request."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.models.errors import UsageError
from compliance.server import roles
from compliance.server.db import Organisation, Token, aware, now
from compliance.server.db import organisation as find_or_create

_hasher = PasswordHasher()
PREFIX = "cmp"
#: A token lives this long unless asked otherwise (a token that never expires must be asked for).
DEFAULT_DAYS = 90
#: How long a verified token is trusted from memory before its row is read again.
RECHECK_SECONDS = 2.0
#: `last_used_at` is written at most this often per token (not on every request).
LAST_USED_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Caller:
    organisation_id: int
    organisation: str
    #: The token's id, or ``user:<id>`` for a person signed in to the pages.
    token_id: str
    role: str
    scopes: tuple[str, ...]
    #: The name shown on decisions and in the access log (a person's name, or the token's label).
    name: str
    expires_at: dt.datetime | None = None

    @property
    def actor(self) -> str:
        """``user:<id>`` or ``token:<id>``: who did it, in decisions and the access log."""
        return self.token_id if self.token_id.startswith("user:") else f"token:{self.token_id}"

    def may(self, scope: str) -> bool:
        return roles.allowed(self.role, self.scopes, scope)


def create(
    session: Session,
    organisation: str,
    label: str = "",
    *,
    role: str = "preparer",
    scopes: list[str] | None = None,
    days: int | None = DEFAULT_DAYS,
) -> str:
    """A new token for the organisation (created if new); the only time the token is shown.
    ``days=None`` makes a token that never expires."""
    try:
        granted = roles.scopes_for(role, scopes)
    except ValueError as exc:
        raise UsageError(str(exc), field="--role" if role not in roles.ROLES else "--scope") from None
    if days is not None and days < 1:
        raise UsageError(f"--days is {days}; expected at least 1 (or --no-expiry)", field="--days")
    org = find_or_create(session, organisation)
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    expires = now() + dt.timedelta(days=days) if days is not None else None
    session.add(Token(id=token_id, organisation_id=org.id, secret_hash=_hasher.hash(secret), label=label,
                      role=role, scopes=list(granted), expires_at=expires, created_at=now()))  # fmt: skip
    return f"{PREFIX}_{token_id}_{secret}"


@dataclass(frozen=True)
class Listed:
    id: str
    organisation: str
    label: str
    role: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and aware(self.expires_at) <= now():
            return "expired"
        return "active"


def listing(session: Session, organisation: str | None = None) -> list[Listed]:
    """Every token (of one organisation), oldest first; never a secret."""
    query = select(Token, Organisation.name).join(Organisation, Organisation.id == Token.organisation_id)
    if organisation is not None:
        query = query.where(Organisation.name == organisation)
    rows = session.execute(query.order_by(Token.created_at, Token.id)).all()
    return [_listed(t, org) for t, org in rows]


def _listed(t: Token, organisation: str) -> Listed:
    return Listed(t.id, organisation, t.label, t.role, tuple(t.scopes or ()), t.created_at, t.expires_at,
                  t.last_used_at, t.revoked_at)  # fmt: skip


def revoke(session: Session, token_id: str) -> Listed:
    """Revoke a token by its id (the part after ``cmp_``); revoking twice is not an error."""
    row = session.get(Token, token_id.removeprefix(f"{PREFIX}_").split("_", 1)[0])
    if row is None:
        raise UsageError(f"no token {token_id}: `compliance tokens list` shows their ids", field="TOKEN_ID")
    if row.revoked_at is None:
        row.revoked_at = now()
    org = session.get(Organisation, row.organisation_id)
    assert org is not None
    return _listed(row, org.name)


def _expired(caller: Caller) -> bool:
    return caller.expires_at is not None and aware(caller.expires_at) <= now()


class Verifier:
    def __init__(self) -> None:
        self._known: dict[str, tuple[Caller, float]] = {}
        self._lock = threading.Lock()

    def known(self, token: str) -> Caller | None:
        """The caller of a token verified less than `RECHECK_SECONDS` ago and not expired (no
        database, no argon2), else None: then `caller` reads the row."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            hit = self._known.get(digest)
        if hit is None or time.monotonic() - hit[1] > RECHECK_SECONDS or _expired(hit[0]):
            return None
        return hit[0]

    def forget(self, token_id: str) -> None:
        """Drop a token from memory at once (revoked in this process)."""
        with self._lock:
            for digest in [d for d, (c, _) in self._known.items() if c.token_id == token_id]:
                del self._known[digest]

    def caller(self, session: Session, token: str) -> Caller | None:
        """The caller of a token that is known, not revoked and not expired; None otherwise."""
        hit = self.known(token)
        if hit is not None:
            return hit
        digest = hashlib.sha256(token.encode()).hexdigest()
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            return None
        row = session.get(Token, parts[1])
        if row is None or row.revoked_at is not None:
            self.forget(parts[1])
            return None
        with self._lock:
            seen = self._known.get(digest)
        if seen is None:  # argon2 once per token and process: afterwards the row alone is read
            try:
                _hasher.verify(row.secret_hash, parts[2])
            except (VerificationError, InvalidHashError):
                return None
        org = session.get(Organisation, row.organisation_id)
        assert org is not None
        found = Caller(org.id, org.name, row.id, row.role, tuple(row.scopes or ()), row.label or row.id,
                       row.expires_at)  # fmt: skip
        if _expired(found):
            return None
        if row.last_used_at is None or now() - aware(row.last_used_at) >= LAST_USED_EVERY:
            row.last_used_at = now()
            session.commit()
        with self._lock:
            self._known[digest] = (found, time.monotonic())
        return found
