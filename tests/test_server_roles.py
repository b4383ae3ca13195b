"""Roles, four eyes, tokens that expire and are revoked, the access log and rate-limited sign-in,
against a real `compliance serve` on loopback, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import SHIPMENTS
from realparts import COMPLIANCE, Served, make_tokens, served
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from compliance.server.db import SessionRecord, Token, User, open_engine
from compliance.server.tokens import RECHECK_SECONDS

A, B = "Acme Forwarding", "Other Broker"
LATHE = SHIPMENTS / "th-used-lathe-review.yaml"
DECISIONS = SHIPMENTS / "decisions" / "decisions.yaml"
CLEAR = SHIPMENTS / "vn-new-vmc-clear.yaml"
YAML = {"Content-Type": "application/yaml"}


@pytest.fixture(scope="module")
def api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tokens = make_tokens(database_url, A, B)
    with served(database_url, cwd=tmp_path_factory.mktemp("roles")) as server:
        server.tokens = tokens
        yield server


def token(api: Served, org: str, role: str, **kw: object) -> str:
    return make_tokens(api.database_url, org, role=role, **kw)[org]


def cli(api: Served, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMPLIANCE, *args, "--database", api.database_url], capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_a_decision_applies_only_once_someone_else_approves_it(api: Served) -> None:
    preparer, approver = api.tokens[B], token(api, B, "approver", label="Mr Somchai P.")
    with api.client(token=preparer) as c:
        assert c.post("/v1/decisions", content=DECISIONS.read_bytes(), headers=YAML).status_code == 201
        # A preparer may not approve at all; the decision waits.
        refused = c.post("/v1/decisions/D-2026-014/approve")
        assert refused.status_code == 403 and refused.json()["needed_scope"] == "decisions:approve"
        check = c.post("/v1/checks", content=LATHE.read_bytes(), headers=YAML).json()
        assert check["verdict"] == "review"
        pending = c.get("/v1/decisions/states", params={"state": "pending"}).json()["items"]
        assert [d["decision"]["id"] for d in pending] == ["D-2026-014"]
        assert c.get("/v1/decisions").json()["decisions"] == []  # none in force yet
    # An approver who recorded a decision may not approve that one (four eyes).
    own = "D-OWN-1"
    with api.client(token=approver) as c:
        body = DECISIONS.read_text().replace("D-2026-014", own)
        assert c.post("/v1/decisions", content=body, headers=YAML).status_code == 201
        mine = c.post(f"/v1/decisions/{own}/approve")
        assert mine.status_code == 403 and mine.json()["reason"] == "own-decision"
        # Another organisation's approver does not even find it.
    with api.client(token=token(api, A, "approver")) as c:
        assert c.post("/v1/decisions/D-2026-014/approve").status_code == 404
    with api.client(token=approver) as c:
        ok = c.post("/v1/decisions/D-2026-014/approve").json()
        assert ok["state"] == "approved" and ok["reviewed_by"] == "Mr Somchai P."
        assert ok["decision"]["approved_by"] == "Mr Somchai P."  # the service says who approved, not the file
        assert c.post("/v1/decisions/D-2026-014/approve").status_code == 409
        after = c.post("/v1/checks", content=LATHE.read_bytes(), headers=YAML).json()
    assert after["verdict"] == "clear"
    # The preparer refuses the approver's own decision: it never applies and stays on record.
    with api.client(token=token(api, B, "approver", label="Ms Lan")) as c:
        assert c.post(f"/v1/decisions/{own}/refuse").json()["state"] == "refused"
        states = {d["decision"]["id"]: d["state"] for d in c.get("/v1/decisions/states").json()["items"]}
    assert states == {"D-2026-014": "approved", own: "refused"}


def test_a_viewer_reads_and_may_not_check(api: Served) -> None:
    viewer = token(api, A, "viewer")
    with api.client(token=viewer) as c:
        r = c.post("/v1/checks", content=CLEAR.read_bytes(), headers=YAML)
        assert r.status_code == 403 and r.json()["needed_scope"] == "checks:write"
        assert c.get("/v1/checks").status_code == 200
    narrowed = token(api, A, "admin", scopes=["checks:read"])  # an admin's token narrowed to reading
    with api.client(token=narrowed) as c:
        assert c.post("/v1/checks", content=CLEAR.read_bytes(), headers=YAML).status_code == 403
        assert c.get("/v1/access-log").status_code == 403


def test_an_expired_or_revoked_token_gets_401_and_tokens_are_listed(api: Served) -> None:
    short = token(api, A, "preparer", label="nightly job")
    token_id = short.split("_")[1]
    with api.client(token=short) as c:
        assert c.get("/v1/checks").status_code == 200
    listed = cli(api, "tokens", "list", "--org", A)
    assert listed.returncode == 0, listed.stderr
    line = next(row for row in listed.stdout.splitlines() if row.startswith(token_id))
    assert "\tnightly job\tpreparer\t" in line and "\tactive\t" in line and not line.endswith("never")
    # Revoked from the command line (another process): refused once the server reads the row again.
    revoked = cli(api, "tokens", "revoke", token_id)
    assert revoked.returncode == 0, revoked.stderr
    time.sleep(RECHECK_SECONDS + 0.5)
    with api.client(token=short) as c:
        r = c.get("/v1/checks")
        assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert "\trevoked\t" in next(
        r for r in cli(api, "tokens", "list").stdout.splitlines() if r.startswith(token_id)
    )
    # Expired: the row says so (a token made to last a day, a day later).
    later = token(api, A, "preparer", days=1)
    with api.client(token=later) as c:
        assert c.get("/v1/checks").status_code == 200
    engine = open_engine(api.database_url)
    with Session(engine) as session, session.begin():
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.execute(update(Token).where(Token.id == later.split("_")[1]).values(expires_at=past))
    engine.dispose()
    time.sleep(RECHECK_SECONDS + 0.5)
    with api.client(token=later) as c:
        assert c.get("/v1/checks").status_code == 401
    bad = cli(api, "tokens", "create", "--org", A, "--role", "viewer", "--scope", "checks:write")
    assert bad.returncode == 2 and "scope 'checks:write' is not one a viewer has" in bad.stderr


def test_the_access_log_says_who_viewed_which_check_and_stays_in_its_organisation(api: Served) -> None:
    with api.client(A) as c:
        check = c.post("/v1/checks", content=CLEAR.read_bytes(), headers=YAML).json()
        assert c.get(f"/v1/checks/{check['id']}").status_code == 200
        assert c.get(f"/v1/checks/{check['id']}/checklist.md", params={"lang": "vi"}).status_code == 200
    admin_a, admin_b = token(api, A, "admin", label="A's auditor"), token(api, B, "admin")
    with api.client(token=admin_a) as c:
        items = c.get("/v1/access-log").json()["items"]
        mine = [i for i in items if i["check_id"] == check["id"]]
        assert [(i["action"], i["what"]) for i in mine] == [("download", "md/vi"), ("view", "json/en")]
        assert mine[0]["actor"].startswith("token:") and mine[0]["address"] == "127.0.0.1"
        page = c.get("/v1/access-log", params={"limit": 1}).json()
        assert len(page["items"]) == 1 and page["next_before"] == page["items"][0]["id"]
        assert (
            c.get("/v1/access-log", params={"before": page["next_before"], "limit": 1}).json()["items"][0][
                "id"
            ]
            < page["next_before"]
        )
    with api.client(token=admin_b) as c:
        assert all(i["check_id"] != check["id"] for i in c.get("/v1/access-log").json()["items"])
        assert c.get(f"/v1/checks/{check['id']}").status_code == 404  # and the check is not found
    with api.client(A) as c:  # a preparer does not read the access log
        assert c.get("/v1/access-log").status_code == 403


def _sign_in(api: Served, email: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=api.url, timeout=60) as c:
        form = c.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        return c.post(
            "/login", data={"csrf": csrf.group(1), "email": email, "password": password, "next": ""}
        )


def test_sign_in_is_rate_limited_per_account_and_expired_sessions_go(api: Served, tmp_path: Path) -> None:
    email, password = "guard@example.com", "a-long-password-1"
    made = subprocess.run([COMPLIANCE, "users", "create", "--org", A, "--email", email, "--database", api.database_url],
                          capture_output=True, text=True, env={**os.environ, "COMPLIANCE_PASSWORD": password})  # fmt: skip
    assert made.returncode == 0, made.stderr
    engine = open_engine(api.database_url)
    with Session(engine) as session, session.begin():
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None
        session.add(SessionRecord(id="old-session", user_id=user.id, csrf="x", created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                                  expires_at=dt.datetime(2026, 1, 8, tzinfo=dt.UTC)))  # fmt: skip
    assert _sign_in(api, email, password).status_code == 303
    with Session(engine) as session:
        assert session.get(SessionRecord, "old-session") is None  # deleted when someone signed in
    engine.dispose()
    for _ in range(5):
        assert _sign_in(api, email, "wrong-password-x").status_code == 401
    locked = _sign_in(api, email, password)  # the right password, but too many failures first
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text and "UTC" in locked.text
    assert _sign_in(api, "someone-else@example.com", "wrong-password-x").status_code == 401  # another account


def test_rows_made_before_roles_keep_what_they_could_do(tmp_path: Path) -> None:
    """The migration: tokens made before roles stay admins (without expiry), users become approvers,
    decisions recorded before four eyes stay in force."""
    from compliance.server import migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = open_engine(url)
    migrate.upgrade(engine, to="0004")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO organisations (id, name, created_at) VALUES (1, 'Old', '2026-01-01')"
        )
        conn.exec_driver_sql("INSERT INTO tokens (id, organisation_id, secret_hash, label, created_at) "
                             "VALUES ('t1', 1, 'h', '', '2026-01-01')")  # fmt: skip
        conn.exec_driver_sql("INSERT INTO users (organisation_id, email, name, password_hash, created_at) "
                             "VALUES (1, 'old@example.com', 'Old', 'h', '2026-01-01')")  # fmt: skip
        conn.exec_driver_sql("INSERT INTO decisions (organisation_id, id, token_id, created_at, decision) "
                             "VALUES (1, 'D-1', 't1', '2026-01-01', '{}')")  # fmt: skip
    assert migrate.upgrade(engine) == ("0004", migrate.head())
    with engine.connect() as conn:
        role, scopes, expires = conn.exec_driver_sql("SELECT role, scopes, expires_at FROM tokens").one()
        assert role == "admin" and "audit:read" in scopes and expires is None
        assert "webhooks:manage" in scopes  # (0007: an admin that had every scope keeps having them all)
        assert conn.exec_driver_sql("SELECT role FROM users").scalar() == "approver"
        assert conn.exec_driver_sql("SELECT state, prepared_by FROM decisions").one() == ("approved", "t1")
    engine.dispose()
