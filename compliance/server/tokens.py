"""API tokens: random, shown once, stored as an argon2 hash; an organisation per token.

A token reads ``cmp_<id>_<secret>``: the id finds the row (and names the token in logs), the secret
is checked against its argon2 hash. A verified token is remembered in memory (by a SHA-256 of the
whole token) so that each request does not pay argon2's deliberate slowness again."""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from compliance.server.db import Organisation, Token
from compliance.server.db import organisation as find_or_create

_hasher = PasswordHasher()
PREFIX = "cmp"


@dataclass(frozen=True)
class Caller:
    organisation_id: int
    organisation: str
    token_id: str


def create(session: Session, organisation: str, label: str = "") -> str:
    """A new token for the organisation (created if new); the only time the token is shown."""
    org = find_or_create(session, organisation)
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    session.add(Token(id=token_id, organisation_id=org.id, secret_hash=_hasher.hash(secret), label=label))
    return f"{PREFIX}_{token_id}_{secret}"


class Verifier:
    def __init__(self) -> None:
        self._known: dict[str, Caller] = {}
        self._lock = threading.Lock()

    def known(self, token: str) -> Caller | None:
        """The caller of a token verified before (no database, no argon2), else None."""
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            return self._known.get(digest)

    def caller(self, session: Session, token: str) -> Caller | None:
        hit = self.known(token)
        if hit is not None:
            return hit
        digest = hashlib.sha256(token.encode()).hexdigest()
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            return None
        row = session.get(Token, parts[1])
        if row is None or row.revoked_at is not None:
            return None
        try:
            _hasher.verify(row.secret_hash, parts[2])
        except (VerificationError, InvalidHashError):
            return None
        org = session.get(Organisation, row.organisation_id)
        assert org is not None
        found = Caller(org.id, org.name, row.id)
        with self._lock:
            self._known[digest] = found
        return found
