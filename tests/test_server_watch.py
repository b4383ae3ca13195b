"""Watch and tell: stored checks whose shipment has not arrived are judged again when the ruleset
bundle, the registry or the organisation's decisions change; each change of verdict reaches the
changes feed and a real webhook receiver on loopback (one that fails, then recovers), nothing lost
across a server killed mid-way; an organisation never sees another's changes, webhooks or deliveries.
On SQLite and on the real PostgreSQL the fixture starts."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import SHIPMENTS, bundle_without_ai_diagnostics
from realparts import Served, free_port, make_tokens, served
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from compliance.server.db import Change, Delivery, WatchedCheck, open_engine
from compliance.server.watch import Watch, judging_day
from compliance.server.webhooks import Deliverer, signature
from compliance.service import Library

A, B = "Acme Forwarding", "Other Broker"
YAML = {"Content-Type": "application/yaml"}
ARRIVAL = dt.date.today() + dt.timedelta(days=40)
#: The lathe arrives in 40 days: watched. Its AI-diagnostics question is open (review) until a
#: decision settles it.
LATHE = (SHIPMENTS / "th-used-lathe-review.yaml").read_text().replace("2026-09-10", ARRIVAL.isoformat())
EXPIRES = ARRIVAL + dt.timedelta(days=100)
DECISION = (
    (SHIPMENTS / "decisions" / "decisions.yaml").read_text()
    .replace("D-2026-014", "D-WATCH-1").replace("expires: 2026-12-31", f"expires: {EXPIRES.isoformat()}")
)  # fmt: skip


@dataclass
class Receiver:
    """A webhook receiver on loopback: answers 500 to the first `failures` requests, then 204; can
    hold the first request `hold` seconds (a server killed while it waits)."""

    failures: int = 0
    hold: float = 0.0
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    seen: int = 0

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.seen += 1
                if receiver.seen == 1 and receiver.hold:
                    time.sleep(receiver.hold)
                    return  # the sender is gone by now
                if receiver.seen <= receiver.failures:
                    self.send_response(500)
                    self.end_headers()
                    return
                receiver.got.append((dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_a: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def stop(self) -> None:
        self.server.shutdown()


def verified(headers: dict[str, str], body: bytes, secret: str) -> dict[str, object]:
    """The change a delivery carries, once its signature is checked as a receiver would."""
    stamp = int(headers["Compliance-Signature"].split(",")[0].removeprefix("t="))
    assert abs(time.time() - stamp) < 300
    assert hmac.compare_digest(headers["Compliance-Signature"], signature(secret, stamp, body))
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["Compliance-Signature"].endswith(f"v1={mac}")
    change: dict[str, object] = json.loads(body)["change"]
    return change


def until(condition, seconds: float = 60.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.1)


FAST = ("--watch-every", "0.2", "--webhook-retry", "0.2", "--webhooks-to-private-networks")


@pytest.fixture()
def tokens(database_url: str) -> dict[str, str]:
    from sqlalchemy import text

    admin = make_tokens(database_url, A, B, role="admin")  # (the schema first)
    engine = open_engine(database_url)
    with engine.begin() as conn:  # each test starts with no watched checks, changes, webhooks, decisions
        for table in ("deliveries", "webhooks", "changes", "watched_checks", "decisions"):
            conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()
    approver = make_tokens(database_url, A, role="approver")
    return {"A": admin[A], "B": admin[B], "A-approver": approver[A]}


def test_a_version_change_reaches_the_feed_and_a_receiver_that_fails_then_recovers_across_a_kill(
    database_url: str, tokens: dict[str, str], tmp_path: Path
) -> None:
    receiver = Receiver(failures=2)
    url = receiver.start()
    try:
        with served(database_url, *FAST, cwd=tmp_path) as first:
            with first.client(token=tokens["A"]) as c:
                hook = c.post("/v1/webhooks", json={"url": url}).json()
                assert hook["secret"].startswith("whsec_")
                assert "secret" not in c.get("/v1/webhooks").json()["items"][0]  # shown once
                check = c.post("/v1/checks", content=LATHE, headers=YAML).json()
                assert check["verdict"] == "review"
                watch = c.get(f"/v1/checks/{check['id']}/watch").json()
                assert watch["status"] == "idle" and watch["open_until"] == ARRIVAL.isoformat()
            time.sleep(0.6)  # a few scans: nothing changed, nothing re-judged
            with first.client(token=tokens["A"]) as c:
                assert c.get("/v1/changes").json()["items"] == []
            first.kill()  # SIGKILL: no goodbye
        # The same database, a new bundle (the AI-diagnostics requirement is gone).
        with served(
            database_url, *FAST, "--rulesets", str(bundle_without_ai_diagnostics(tmp_path)), cwd=tmp_path
        ) as second:
            with second.client(token=tokens["A"]) as c:
                until(lambda: c.get("/v1/changes").json()["items"], what="the change in the feed")
                (change,) = c.get("/v1/changes").json()["items"]
                assert (change["before"]["verdict"], change["after"]["verdict"]) == ("review", "clear")
                assert change["before"]["check"] == check["id"] and change["cause"]["kinds"] == ["rulesets"]
                assert change["items"] == [{"id": "T1", "before": "review", "after": "clear"}]
                after = c.get(change["after"]["url"]).json()
                assert (
                    after["verdict"] == "clear"
                    and after["rulesets_sha256"] == change["cause"]["rulesets"]["to"]
                )
                assert c.get(f"/v1/checks/{check['id']}/watch").json()["superseded_by"] == after["id"]
                until(lambda: receiver.got, what="a delivery that succeeds")
                deliveries = c.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["items"]
                assert [d["status"] for d in deliveries] == ["delivered"]
                assert [a.get("status_code") for a in deliveries[0]["attempts"]] == [500, 500, 204]
            with second.client(token=tokens["B"]) as c:  # another organisation sees none of it
                assert c.get("/v1/changes").json()["items"] == []
                assert c.get("/v1/webhooks").json()["items"] == []
                assert c.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["items"] == []
                assert c.get(f"/v1/checks/{check['id']}/watch").status_code == 404
        ((headers, body),) = receiver.got
        assert verified(headers, body, hook["secret"])["id"] == change["id"]
    finally:
        receiver.stop()


def test_an_approved_decision_reaches_the_receiver_even_when_the_server_dies_sending_it(
    database_url: str, tokens: dict[str, str], tmp_path: Path
) -> None:
    receiver = Receiver(hold=3.0)  # the first POST is held while the server is killed
    url = receiver.start()
    try:
        with served(database_url, *FAST, cwd=tmp_path) as first:
            with first.client(token=tokens["A"]) as c:
                hook = c.post("/v1/webhooks", json={"url": url}).json()
                check = c.post("/v1/checks", content=LATHE, headers=YAML).json()
                assert check["verdict"] == "review"
                assert c.post("/v1/decisions", content=DECISION, headers=YAML).status_code == 201
            with first.client(token=tokens["A-approver"]) as c:
                assert c.post("/v1/decisions/D-WATCH-1/approve").status_code == 200
            until(lambda: receiver.seen >= 1, what="the first delivery attempt")
            first.kill()  # while the receiver holds the request
        with served(database_url, *FAST, cwd=tmp_path) as second, second.client(token=tokens["A"]) as c:
            (change,) = c.get("/v1/changes").json()["items"]
            assert (change["before"]["verdict"], change["after"]["verdict"]) == ("review", "clear")
            assert change["cause"]["kinds"] == ["decisions"] and change["cause"]["decisions"]["added"] == [
                "D-WATCH-1"
            ]
            until(lambda: receiver.got, seconds=90, what="the delivery, after the lease of the killed server")
            (delivery,) = c.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["items"]
            assert delivery["status"] == "delivered"
        assert verified(*receiver.got[0], hook["secret"])["id"] == change["id"]
    finally:
        receiver.stop()


# -- the watch itself, in this process: days, registries and expiring decisions --------------------


@pytest.fixture()
def stored(database_url: str, tokens: dict[str, str], tmp_path: Path) -> Iterator[tuple[Served, str]]:
    with served(database_url, "--watch-every", "0", "--webhooks-to-private-networks", cwd=tmp_path) as api:
        with api.client(token=tokens["A"]) as c:
            check = c.post("/v1/checks", content=LATHE, headers=YAML).json()
            assert c.post("/v1/decisions", content=DECISION, headers=YAML).status_code == 201
        with api.client(token=tokens["A-approver"]) as c:
            assert c.post("/v1/decisions/D-WATCH-1/approve").status_code == 200
        yield api, check["id"]


def _sessions(database_url: str) -> sessionmaker[Session]:
    return sessionmaker(open_engine(database_url), expire_on_commit=False)


def _drain(watch: Watch, today: dt.date) -> list[Change]:
    queued = watch.scan(today)
    changes = []
    while claimed := watch.claim(3):
        for check_id in claimed:
            found = watch.rejudge(check_id, today)
            if found is not None:
                changes.append(found)
    assert queued >= len(changes)
    return changes


def test_an_expiring_decision_changes_a_check_kept_open_after_its_arrival(
    database_url: str, stored: tuple[Served, str]
) -> None:
    api, first = stored
    sessions = _sessions(database_url)
    watch = Watch(sessions, Library.load(None, []))
    today = dt.date.today()
    (added,) = _drain(watch, today)  # the approved decision: review -> clear
    assert (added.before, added.after) == ("review", "clear")
    assert _drain(watch, today) == []  # judged once: nothing more to do
    # Held at the port past its arrival day, marked open: judged as of each new day.
    with api.client(token=stored_token(api)) as c:
        kept = c.post(f"/v1/checks/{added.after_check}/watch", json={"open": True}).json()
    assert kept["pinned"] is True
    assert _drain(watch, EXPIRES) == []  # its last day: the decision still applies
    (expired,) = _drain(watch, EXPIRES + dt.timedelta(days=1))
    assert (expired.before, expired.after) == ("clear", "review")
    assert expired.cause["decisions"]["expired"] == ["D-WATCH-1"] and "day" in expired.cause["kinds"]
    assert judging_day({"as_of": None}, ARRIVAL, True, EXPIRES) == EXPIRES
    with sessions() as session:
        rows = {r.check_id: r for r in session.scalars(select(WatchedCheck))}
    assert (
        rows[first].superseded_by == added.after_check
        and rows[added.after_check].superseded_by == expired.after_check
    )


def stored_token(api: Served) -> str:
    return make_tokens(api.database_url, A, role="preparer")[A]


def test_a_new_registry_re_judges_and_a_closed_check_is_left_alone(
    database_url: str, stored: tuple[Served, str], tmp_path: Path
) -> None:
    api, first = stored
    sessions = _sessions(database_url)
    _drain(Watch(sessions, Library.load(None, [])), dt.date.today())  # the decision first
    empty = tmp_path / "registry.yaml"
    empty.write_text("published: 2026-11-01\naccreditations: []\n")
    other = Watch(sessions, Library.load(None, [empty]))
    assert other.registry_sha256 != Watch(sessions, Library.load(None, [])).registry_sha256
    changes = _drain(other, dt.date.today())
    assert [c.cause["kinds"] for c in changes] in ([["registry"]], [])
    with sessions() as session:
        open_rows = session.scalars(select(WatchedCheck).where(WatchedCheck.closed_at.is_(None))).all()
    (current,) = open_rows
    assert current.registry_sha256 == other.registry_sha256  # judged by the new registry either way
    with api.client(token=stored_token(api)) as c:
        closed = c.post(f"/v1/checks/{current.check_id}/watch", json={"open": False}).json()
    assert closed["closed_at"] is not None
    assert _drain(Watch(sessions, Library.load(None, [])), dt.date.today()) == []  # closed: not re-judged


def test_a_delivery_is_retried_with_backoff_then_left_failed(
    database_url: str, stored: tuple[Served, str]
) -> None:
    api, _ = stored
    sessions = _sessions(database_url)
    receiver = Receiver(failures=100)
    url = receiver.start()
    try:
        with api.client(token=api_admin(api)) as c:
            assert c.post("/v1/webhooks", json={"url": url}).status_code == 201
        _drain(Watch(sessions, Library.load(None, [])), dt.date.today())
        sender = Deliverer(sessions, retry_after=0.02, private_ok=True)
        moments: list[float] = []

        def given_up() -> bool:
            if sender.send_due():
                moments.append(time.monotonic())
            with sessions() as session:
                return session.scalars(select(Delivery.status)).one() == "failed"

        until(given_up, seconds=30, what="eight attempts")
        with sessions() as session:
            (delivery,) = session.scalars(select(Delivery)).all()
        gaps = [b - a for a, b in zip(moments, moments[1:], strict=False)]
        assert gaps[-1] > gaps[0] * 8  # the wait doubles: 0.02 s, then 0.04 s, ... 1.28 s
        assert delivery.status == "failed" and len(delivery.attempts) == 8
        assert {a["status_code"] for a in delivery.attempts} == {500}
        assert receiver.seen == 8
    finally:
        receiver.stop()


def api_admin(api: Served) -> str:
    return make_tokens(api.database_url, A, role="admin")[A]


def test_a_webhook_to_a_private_address_is_refused_by_default(
    database_url: str, tokens: dict[str, str], tmp_path: Path
) -> None:
    with served(database_url, "--watch-every", "0", cwd=tmp_path) as api, api.client(token=tokens["A"]) as c:
        refused = c.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
        assert refused.status_code == 422 and "private" in refused.json()["detail"]
        assert c.post("/v1/webhooks", json={"url": "ftp://example.com/x"}).status_code == 422
    approver = make_tokens(database_url, A, role="approver")[A]
    with served(database_url, "--watch-every", "0", cwd=tmp_path) as api, api.client(token=approver) as c:
        assert c.post("/v1/webhooks", json={"url": "https://example.com/x"}).json()["needed_scope"] == (
            "webhooks:manage"
        )


def test_claims_take_the_oldest_queued_checks_once_each(
    database_url: str, stored: tuple[Served, str]
) -> None:
    """Re-judges are claimed several at a time, oldest first; two runners never take the same one."""
    from sqlalchemy import insert, update

    from compliance.server.db import CheckRecord

    _, first = stored
    sessions = _sessions(database_url)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with sessions() as session, session.begin():
        record, row = session.get(CheckRecord, first), session.get(WatchedCheck, first)
        assert record is not None and row is not None
        session.refresh(record, ["reports_z"])
        session.refresh(row, ["upload_z"])
        rec = {c.key: getattr(record, c.key) for c in CheckRecord.__mapper__.column_attrs}
        watched = {c.key: getattr(row, c.key) for c in WatchedCheck.__mapper__.column_attrs}
        ids = [f"Q{i}" for i in range(5)]
        session.execute(insert(CheckRecord), [{**rec, "id": i, "idempotency_key": None} for i in ids])
        session.execute(insert(WatchedCheck), [
            {**watched, "check_id": i, "status": "queued", "judged_at": start + dt.timedelta(minutes=n)}
            for n, i in enumerate(ids)
        ])  # fmt: skip
        session.execute(update(WatchedCheck).where(WatchedCheck.check_id == first).values(
            status="queued", judged_at=start + dt.timedelta(hours=1)))  # fmt: skip
    library = Library.load(None, [])
    one, other = Watch(sessions, library), Watch(sessions, library)
    assert one.claim(2) == ["Q0", "Q1"]
    assert other.claim(3) == ["Q2", "Q3", "Q4"]
    assert one.claim(10) == [first]
    assert one.claim(10) == other.claim(10) == []
    with sessions() as session:
        rows = list(session.scalars(select(WatchedCheck).where(WatchedCheck.check_id.in_([*ids, first]))))
    assert {(r.status, r.attempts) for r in rows} == {("running", 1)}
    prepared = one.prepare_many(["Q3", first, "Q0"])
    assert [p.row.check_id for p in prepared] == ["Q3", first, "Q0"]
    assert all(p.upload.manifest == prepared[0].upload.manifest for p in prepared)
