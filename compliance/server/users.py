"""Users and sign-in sessions for the pages: argon2 password hashes, random session ids, a CSRF token
per session (checked on every form), sessions kept in the database (several server processes)."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from compliance.models.errors import UsageError
from compliance.server.db import Organisation, SessionRecord, User, now
from compliance.server.db import organisation as find_or_create

_hasher = PasswordHasher()
SESSION_DAYS = 7
MIN_PASSWORD = 10


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    email: str
    name: str
    organisation_id: int
    organisation: str
    csrf: str
    session_id: str


def create_user(session: Session, organisation: str, email: str, name: str, password: str) -> User:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password needs at least {MIN_PASSWORD} characters", field="--password")
    email = email.strip().lower()
    if "@" not in email:
        raise UsageError(f"'{email}' is not an e-mail address", field="--email")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise UsageError(f"a user {email} exists already", field="--email")
    org = find_or_create(session, organisation)
    user = User(
        organisation_id=org.id, email=email, name=name.strip() or email, password_hash=_hasher.hash(password)
    )
    session.add(user)
    return user


def sign_in(session: Session, email: str, password: str) -> str | None:
    """A new session id for the right password; None otherwise (the same answer for an unknown user)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    try:
        if user is None:
            _hasher.verify(_DUMMY, password)  # the same work for an unknown e-mail: no timing hint
            return None
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    sid = secrets.token_urlsafe(32)
    session.add(SessionRecord(id=sid, user_id=user.id, csrf=secrets.token_urlsafe(24), created_at=now(),
                              expires_at=now() + dt.timedelta(days=SESSION_DAYS)))  # fmt: skip
    return sid


_DUMMY = _hasher.hash("not a password anyone has")


def signed_in(session: Session, sid: str | None) -> SignedIn | None:
    if not sid:
        return None
    record = session.get(SessionRecord, sid)
    if record is None:
        return None
    expires = record.expires_at if record.expires_at.tzinfo else record.expires_at.replace(tzinfo=dt.UTC)
    if expires < now():
        return None
    user = session.get(User, record.user_id)
    assert user is not None
    org = session.get(Organisation, user.organisation_id)
    assert org is not None
    return SignedIn(user.id, user.email, user.name, org.id, org.name, record.csrf, sid)


def sign_out(session: Session, sid: str) -> None:
    session.execute(delete(SessionRecord).where(SessionRecord.id == sid))


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")
