"""Webhooks: an organisation registers a URL; each change of verdict is POSTed to it as JSON, signed
with HMAC-SHA256, retried with backoff until the receiver answers 2xx, and every attempt is kept.

The signature covers the timestamp and the body: the `Compliance-Signature` header is
`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`. A receiver recomputes it with the
secret it was shown once, and refuses a timestamp older than it tolerates (a replay).

A delivery is claimed by moving its next attempt a lease ahead, so two server processes never send
the same attempt; a server killed during a POST leaves it due again after the lease (the receiver may
then see it twice: the `Compliance-Delivery` header is the same, for it to drop the second)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from compliance.server import problems
from compliance.server.db import Change, Delivery, Webhook, now
from compliance.server.store import iso

log = logging.getLogger("compliance.server")
#: Attempts before a delivery is left `failed` (with the backoff doubling from 30 s: about two hours).
MAX_ATTEMPTS = 8
MAX_BACKOFF = 3600.0
#: Seconds a receiver has to answer, and a claimed attempt before it is due again (a server killed
#: mid-way).
TIMEOUT = 10.0
LEASE = TIMEOUT + 5.0


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def change_json(change: Change) -> dict[str, Any]:
    """A change as the feed, the page and the webhooks show it."""
    return {
        "id": change.id,
        "at": iso(change.at),
        "shipment_id": change.shipment_id,
        "before": {"verdict": change.before, "check": change.before_check,
                   "url": f"/v1/checks/{change.before_check}"},
        "after": {"verdict": change.after, "check": change.after_check, "url": f"/v1/checks/{change.after_check}"},
        "cause": change.cause,
        "items": change.items,
    }  # fmt: skip


def checked_url(url: str, *, private_ok: bool) -> str:
    """The URL, if a webhook may point there: http(s), a host, and (unless allowed) no loopback,
    private or link-local address, so that a token cannot make the server call inside its network."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise problems.Problem(
            422, "Unprocessable request", "the URL must be http:// or https:// with a host"
        )
    if not private_ok:
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
        except OSError:
            raise problems.Problem(
                422, "Unprocessable request", f"the host {parts.hostname} does not resolve"
            ) from None
        for address in addresses:
            ip = ipaddress.ip_address(str(address).split("%")[0])
            if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
                raise problems.Problem(
                    422, "Unprocessable request",
                    f"the host {parts.hostname} is a private or loopback address ({ip}); the server is started "
                    "without --webhooks-to-private-networks",
                )  # fmt: skip
    return url.strip()


def register(session: Session, organisation_id: int, url: str) -> dict[str, Any]:
    hook = Webhook(id=secrets.token_hex(8), organisation_id=organisation_id, url=url,
                   secret="whsec_" + secrets.token_urlsafe(32), created_at=now())  # fmt: skip
    with session.begin():
        session.add(hook)
    return {**describe(hook), "secret": hook.secret}


def describe(hook: Webhook) -> dict[str, Any]:
    return {"id": hook.id, "url": hook.url, "created_at": iso(hook.created_at),
            "deliveries": f"/v1/webhooks/{hook.id}/deliveries"}  # fmt: skip


def listing(session: Session, organisation_id: int) -> list[dict[str, Any]]:
    hooks = session.scalars(select(Webhook).where(
        Webhook.organisation_id == organisation_id, Webhook.removed_at.is_(None)).order_by(Webhook.created_at))  # fmt: skip
    return [describe(h) for h in hooks]


def remove(session: Session, organisation_id: int, hook_id: str) -> bool:
    with session.begin():
        done = session.execute(update(Webhook).where(
            Webhook.id == hook_id, Webhook.organisation_id == organisation_id, Webhook.removed_at.is_(None),
        ).values(removed_at=now()))  # fmt: skip
    return bool(done.rowcount)  # type: ignore[attr-defined]


def deliveries(session: Session, organisation_id: int, hook_id: str | None, *, before: int | None,
               limit: int) -> list[dict[str, Any]]:  # fmt: skip
    q = select(Delivery).where(Delivery.organisation_id == organisation_id)
    if hook_id is not None:
        q = q.where(Delivery.webhook_id == hook_id)
    if before is not None:
        q = q.where(Delivery.id < before)
    rows = session.scalars(q.order_by(Delivery.id.desc()).limit(limit))
    return [
        {"id": d.id, "webhook": d.webhook_id, "change": d.change_id, "status": d.status,
         "created_at": iso(d.created_at), "delivered_at": iso(d.delivered_at) if d.delivered_at else None,
         "next_attempt_at": iso(d.next_attempt_at) if d.status == "pending" else None, "attempts": d.attempts}
        for d in rows
    ]  # fmt: skip


def backoff(attempts: int, base: float) -> float:
    return float(min(base * 2 ** (attempts - 1), MAX_BACKOFF))


class Deliverer(threading.Thread):
    """Sends the due deliveries, one at a time; stops when asked."""

    def __init__(self, sessions: sessionmaker[Session], *, retry_after: float, private_ok: bool,
                 poll: float = 0.5) -> None:  # fmt: skip
        super().__init__(name="compliance-webhooks", daemon=True)
        self.sessions = sessions
        self.retry_after = retry_after
        self.private_ok = private_ok
        self.poll = poll
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                sent = self.send_due()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the deliveries
                log.exception("webhooks: could not send the due deliveries")
                sent = 0
            if not sent:
                self.stopping.wait(self.poll)

    def send_due(self) -> int:
        """Send every delivery due now; how many were attempted."""
        sent = 0
        while not self.stopping.is_set() and (claimed := self._claim()) is not None:
            if claimed:  # (0: another process claimed it first)
                self._attempt(claimed)
            sent += 1
        return sent

    def _claim(self) -> int | None:
        moment = now()
        with self.sessions() as session, session.begin():
            due = session.execute(
                select(Delivery.id, Delivery.next_attempt_at)
                .where(Delivery.status == "pending", Delivery.next_attempt_at <= moment)
                .order_by(Delivery.next_attempt_at, Delivery.id).limit(1)
            ).first()  # fmt: skip
            if due is None:
                return None
            lease = moment + dt.timedelta(seconds=LEASE)
            claimed = session.execute(update(Delivery).where(
                Delivery.id == due[0], Delivery.status == "pending", Delivery.next_attempt_at == due[1],
            ).values(next_attempt_at=lease))  # fmt: skip
            return int(due[0]) if claimed.rowcount == 1 else 0  # type: ignore[attr-defined]

    def _attempt(self, delivery_id: int) -> None:
        with self.sessions() as session:
            delivery = session.get(Delivery, delivery_id)
            assert delivery is not None
            hook = session.get(Webhook, delivery.webhook_id)
            change = session.get(Change, delivery.change_id)
        assert hook is not None and change is not None
        outcome = (
            self._post(hook, delivery_id, change) if hook.removed_at is None else {"error": "webhook removed"}
        )
        attempts = [*delivery.attempts, outcome]
        values: dict[str, Any] = {"attempts": attempts}
        code = outcome.get("status_code")
        if isinstance(code, int) and 200 <= code < 300:
            values.update(status="delivered", delivered_at=now())
        elif hook.removed_at is not None or len(attempts) >= MAX_ATTEMPTS:
            values.update(status="failed")
        else:
            values["next_attempt_at"] = now() + dt.timedelta(seconds=backoff(len(attempts), self.retry_after))
        with self.sessions() as session, session.begin():
            session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))

    def _post(self, hook: Webhook, delivery_id: int, change: Change) -> dict[str, Any]:
        body = json.dumps({"type": "verdict.changed", "delivery": delivery_id, "change": change_json(change)},
                          ensure_ascii=False).encode()  # fmt: skip
        stamp = int(time.time())
        request = urllib.request.Request(hook.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "compliance-webhooks",
            "Compliance-Signature": signature(hook.secret, stamp, body), "Compliance-Delivery": str(delivery_id),
        })  # fmt: skip
        started = time.perf_counter()
        outcome: dict[str, Any] = {"at": iso(now()), "status_code": None, "error": None}
        try:
            checked_url(hook.url, private_ok=self.private_ok)  # again: the name may point elsewhere now
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - http(s) checked
                outcome["status_code"] = answer.status
        except urllib.error.HTTPError as exc:
            outcome["status_code"], outcome["error"] = exc.code, f"HTTP {exc.code}"
        except problems.Problem as exc:
            outcome["error"] = exc.detail
        except (OSError, ValueError) as exc:
            outcome["error"] = f"{type(exc).__name__}: {exc}"[:300]
        outcome["seconds"] = round(time.perf_counter() - started, 3)
        return outcome
