"""Users and sign-in sessions for the pages: argon2 password hashes, random session ids, a CSRF token
per session (checked on every form), sessions kept in the database (several server processes).

Sign-in is rate-limited per account and per address (`MAX_PER_ACCOUNT`, `MAX_PER_ADDRESS` failures in
`WINDOW`): past the limit the password is not even tried, and the page says when to try again.
Expired sessions are deleted whenever someone signs in."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from compliance.models.errors import UsageError
from compliance.server import roles
from compliance.server.db import Organisation, SessionRecord, SignInFailure, User, aware, now
from compliance.server.db import organisation as find_or_create

_hasher = PasswordHasher()
SESSION_DAYS = 7
MIN_PASSWORD = 10
#: Failed sign-ins allowed in the window: per account (a guessed password), per address (one
#: machine trying many accounts).
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 20
WINDOW = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    email: str
    name: str
    organisation_id: int
    organisation: str
    csrf: str
    session_id: str
    role: str


def create_user(
    session: Session, organisation: str, email: str, name: str, password: str, role: str = "preparer"
) -> User:
    if role not in roles.ROLES:
        raise UsageError(f"'{role}' is not a role; expected one of {', '.join(roles.ROLES)}", field="--role")
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password needs at least {MIN_PASSWORD} characters", field="--password")
    email = email.strip().lower()
    if "@" not in email:
        raise UsageError(f"'{email}' is not an e-mail address", field="--email")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise UsageError(f"a user {email} exists already", field="--email")
    org = find_or_create(session, organisation)
    user = User(
        organisation_id=org.id, email=email, name=name.strip() or email, password_hash=_hasher.hash(password),
        role=role,
    )  # fmt: skip
    session.add(user)
    return user


def set_role(session: Session, email: str, role: str) -> User:
    if role not in roles.ROLES:
        raise UsageError(f"'{role}' is not a role; expected one of {', '.join(roles.ROLES)}", field="--role")
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise UsageError(f"no user {email}", field="--email")
    user.role = role
    return user


@dataclass(frozen=True)
class SignInResult:
    """A session id, or why not: ``wrong`` (e-mail or password) or ``locked`` (too many failures;
    ``retry_at`` says when the oldest of them leaves the window)."""

    session_id: str | None
    refused: str | None = None
    retry_at: dt.datetime | None = None


def sign_in(session: Session, email: str, password: str, address: str = "") -> SignInResult:
    """A new session for the right password; the same answer for an unknown user as for a wrong
    password; ``locked`` past the failures allowed for the account or the address."""
    email = email.strip().lower()
    keys = [f"account:{email}", f"address:{address}"]
    session.execute(delete(SessionRecord).where(SessionRecord.expires_at < now()))
    session.execute(delete(SignInFailure).where(SignInFailure.at < now() - WINDOW))
    for key, most in zip(keys, (MAX_PER_ACCOUNT, MAX_PER_ADDRESS), strict=True):
        count, first = session.execute(
            select(func.count(), func.min(SignInFailure.at)).where(SignInFailure.key == key)
        ).one()
        if count >= most:
            return SignInResult(None, "locked", aware(first) + WINDOW)
    user = session.scalar(select(User).where(User.email == email))
    try:
        if user is None:
            _hasher.verify(_DUMMY, password)  # the same work for an unknown e-mail: no timing hint
            raise VerificationError("unknown user")
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        for key in keys:
            session.add(SignInFailure(key=key, at=now()))
        return SignInResult(None, "wrong")
    session.execute(delete(SignInFailure).where(SignInFailure.key == keys[0]))
    sid = secrets.token_urlsafe(32)
    session.add(SessionRecord(id=sid, user_id=user.id, csrf=secrets.token_urlsafe(24), created_at=now(),
                              expires_at=now() + dt.timedelta(days=SESSION_DAYS)))  # fmt: skip
    return SignInResult(sid)


_DUMMY = _hasher.hash("not a password anyone has")


def signed_in(session: Session, sid: str | None) -> SignedIn | None:
    if not sid:
        return None
    record = session.get(SessionRecord, sid)
    if record is None:
        return None
    if aware(record.expires_at) < now():
        return None
    user = session.get(User, record.user_id)
    assert user is not None
    org = session.get(Organisation, user.organisation_id)
    assert org is not None
    return SignedIn(user.id, user.email, user.name, org.id, org.name, record.csrf, sid, user.role)


def sign_out(session: Session, sid: str) -> None:
    session.execute(delete(SessionRecord).where(SessionRecord.id == sid))


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")
