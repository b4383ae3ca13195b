"""Who may do what: four roles, and the scopes a token may be narrowed to.

A user and a token carry one role. A token also carries scopes, at most its role's: a token for a
nightly script that only reads checks is a `preparer`'s token with the scope `checks:read`. A request
needs its scope in both (`allowed`)."""

from __future__ import annotations

from typing import Final

#: Read stored checks, inventory jobs, decisions and changes.
READ: Final = "checks:read"
#: Run checks and inventory jobs.
WRITE: Final = "checks:write"
#: Record a decision on a review item (it takes effect once someone else approves it).
DECIDE: Final = "decisions:write"
#: Approve (or refuse) another person's decision.
APPROVE: Final = "decisions:approve"
#: Read the access log: who viewed or downloaded which check.
AUDIT: Final = "audit:read"
#: Register and remove the organisation's webhooks, and read their deliveries.
WEBHOOKS: Final = "webhooks:manage"

SCOPES: Final = (READ, WRITE, DECIDE, APPROVE, AUDIT, WEBHOOKS)

#: Each role's scopes. An approver prepares too (never approving their own decisions); only an
#: admin reads the access log and manages webhooks.
ROLES: Final[dict[str, tuple[str, ...]]] = {
    "viewer": (READ,),
    "preparer": (READ, WRITE, DECIDE),
    "approver": (READ, WRITE, DECIDE, APPROVE),
    "admin": SCOPES,
}


def scopes_for(role: str, asked: list[str] | None = None) -> tuple[str, ...]:
    """The scopes a token of ``role`` gets: all of the role's, or those asked (each one the role has)."""
    if role not in ROLES:
        raise ValueError(f"'{role}' is not a role; expected one of {', '.join(ROLES)}")
    if not asked:
        return ROLES[role]
    for scope in asked:
        if scope not in ROLES[role]:
            raise ValueError(
                f"scope '{scope}' is not one a {role} has; a {role} has {', '.join(ROLES[role])}"
            )
    return tuple(s for s in SCOPES if s in asked)


def allowed(role: str, scopes: tuple[str, ...], scope: str) -> bool:
    return scope in scopes and scope in ROLES.get(role, ())
