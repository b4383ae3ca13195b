"""Watched checks: a stored check whose shipment has not arrived (or that is marked open) is judged
again, with the same code as a new check, when what it was judged by changes: the ruleset bundle
(its hash), the registry (its hash), the organisation's approved decisions, or (for a check marked
open after its arrival day) the day. A change of verdict is recorded (before, after, cause, when),
and queued for the organisation's webhooks, in the same transaction as the new check.

Re-judging is a background queue in the database: a watched check is `queued` by the scan, claimed
(`running`) by one runner at a time, and back to `idle` once judged. A check left `running` by a
server that stopped is queued again at start (a re-judge writes all or nothing), and left `failed`
after three interruptions or when it no longer judges (the message is kept)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import zlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker, undefer

from compliance.models.decisions import Decision
from compliance.models.errors import ComplianceError
from compliance.server import store
from compliance.server.db import Change, CheckRecord, Delivery, WatchedCheck, Webhook, now
from compliance.server.decision_store import decisions_of
from compliance.server.intake import Upload, judge
from compliance.server.judged import Judged, decisions_digest, judged_from
from compliance.service import CheckRequest, Library, produced_now

log = logging.getLogger("compliance.server")
MAX_ATTEMPTS = 3
#: The token id written on a check the watch made (no person or token asked for it).
WATCH_TOKEN = "watch"


def pack_upload(upload: Upload) -> bytes:
    files = [[upload.manifest_name, base64.b64encode(upload.manifest).decode()]]
    files += [[name, base64.b64encode(data).decode()] for name, data in upload.others]
    return zlib.compress(json.dumps({"manifest_name": upload.manifest_name, "files": files}).encode(), 6)


def unpack_upload(packed: bytes) -> Upload:
    data = json.loads(zlib.decompress(packed))
    files = [(name, base64.b64decode(text)) for name, text in data["files"]]
    return Upload(files[0][0], files[0][1], tuple(files[1:]))


def registry_digest(library: Library) -> str:
    return hashlib.sha256(
        json.dumps(library.registry.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()


@dataclass(frozen=True)
class Basis:
    """What a check is judged by, and on which day."""

    rulesets_sha256: str
    registry_sha256: str
    decisions_sha256: str
    decision_ids: tuple[str, ...]
    day: dt.date


def judging_day(options: dict[str, Any], open_until: dt.date, pinned: bool, today: dt.date) -> dt.date:
    """The day asked for (or the arrival day); a check marked open after that day is judged as of today
    (its goods still wait for clearance)."""
    asked = dt.date.fromisoformat(options["as_of"]) if options.get("as_of") else open_until
    return today if pinned and asked < today else asked


@dataclass(frozen=True)
class Prepared:
    """A claimed check, ready to be judged again."""

    row: WatchedCheck
    record: CheckRecord
    basis: Basis
    decisions: list[Decision]
    request: CheckRequest
    upload: Upload


class Watch:
    """The scan and the re-judging of one server's watched checks."""

    def __init__(self, sessions: sessionmaker[Session], library: Library) -> None:
        self.sessions = sessions
        self.library = library
        self.registry_sha256 = registry_digest(library)

    def basis(self, session: Session, row: WatchedCheck, today: dt.date,
              decisions: dict[int, list[Decision]]) -> tuple[Basis, list[Decision]]:  # fmt: skip
        opts = row.options
        chosen = (
            [] if opts.get("ignore_decisions") else self._decisions(session, row.organisation_id, decisions)
        )
        _, sha = self.library.selected(opts.get("rulesets") or [], drafts=bool(opts.get("drafts")))
        day = judging_day(opts, row.open_until, row.pinned, today)
        basis = Basis(sha, self.registry_sha256, decisions_digest(chosen), tuple(d.id for d in chosen), day)
        return basis, chosen

    @staticmethod
    def _decisions(
        session: Session, organisation_id: int, known: dict[int, list[Decision]]
    ) -> list[Decision]:
        if organisation_id not in known:
            known[organisation_id] = decisions_of(session, organisation_id)
        return known[organisation_id]

    def scan(self, today: dt.date | None = None) -> int:
        """Queue every open watched check whose basis changed; the number queued."""
        day = today or dt.date.today()
        queued = 0
        decisions: dict[int, list[Decision]] = {}
        with self.sessions() as session:
            rows = list(session.scalars(select(WatchedCheck).where(
                WatchedCheck.status == "idle", WatchedCheck.closed_at.is_(None),
                or_(WatchedCheck.open_until >= day, WatchedCheck.pinned.is_(True)),
            )))  # fmt: skip
            changed = [r.check_id for r in rows if _differs(r, self.basis(session, r, day, decisions)[0])]
        for start in range(0, len(changed), 500):
            with self.sessions() as session, session.begin():
                done = session.execute(
                    update(WatchedCheck)
                    .where(
                        WatchedCheck.check_id.in_(changed[start : start + 500]), WatchedCheck.status == "idle"
                    )
                    .values(status="queued")
                )
                queued += done.rowcount  # type: ignore[attr-defined]
        return queued

    def claim(self, n: int = 1) -> list[str]:
        """Up to ``n`` queued checks, oldest first, marked running by this runner (one transaction;
        another runner's claims are not taken twice: the update names the status it expects)."""
        with self.sessions() as session, session.begin():
            # LIMIT: without it the ORM fetched every queued row on each claim (a queue of 10,000 made
            # re-judging quadratic).
            candidates = list(session.scalars(
                select(WatchedCheck.check_id).where(WatchedCheck.status == "queued")
                .order_by(WatchedCheck.judged_at).limit(n)
            ))  # fmt: skip
            if not candidates:
                return []
            claimed = session.scalars(
                update(WatchedCheck)
                .where(WatchedCheck.check_id.in_(candidates), WatchedCheck.status == "queued")
                .values(status="running", attempts=WatchedCheck.attempts + 1)
                .returning(WatchedCheck.check_id)
            )
            mine = set(claimed)
        return [c for c in candidates if c in mine]

    def prepare(self, check_id: str, today: dt.date | None = None) -> Prepared:
        """What judging a claimed check again needs: its upload, request, decisions and basis now."""
        return self.prepare_many([check_id], today)[0]

    def prepare_many(self, check_ids: list[str], today: dt.date | None = None) -> list[Prepared]:
        """`prepare` for several claimed checks, read in one session, in the order given."""
        day = today or dt.date.today()
        decisions: dict[int, list[Decision]] = {}
        out: list[Prepared] = []
        with self.sessions() as session:
            rows = {r.check_id: r for r in session.scalars(
                select(WatchedCheck).options(undefer(WatchedCheck.upload_z))
                .where(WatchedCheck.check_id.in_(check_ids))
            )}  # fmt: skip
            # (their reports stay unread: deferred)
            records = {
                r.id: r for r in session.scalars(select(CheckRecord).where(CheckRecord.id.in_(check_ids)))
            }
            for check_id in check_ids:
                row, record = rows[check_id], records[check_id]
                basis, chosen = self.basis(session, row, day, decisions)
                opts = row.options
                request = CheckRequest(manifests=[], ruleset_ids=opts.get("rulesets") or [], as_of=basis.day,
                                       drafts=bool(opts.get("drafts")), produced_at=produced_now())  # fmt: skip
                out.append(Prepared(row, record, basis, chosen, request, unpack_upload(row.upload_z)))
        return out

    def rejudge(self, check_id: str, today: dt.date | None = None) -> Change | None:
        """Judge a claimed check again, here; its change of verdict, if any (stored with the new check)."""
        job = self.prepare(check_id, today)
        try:
            run = judge(job.upload, job.request, self.library, job.decisions)
        except ComplianceError as exc:
            return self.finish(job, exc)
        if run.reports[0].verdict == job.record.verdict:  # the same verdict: no report to write
            self._idle(check_id, job.basis)
            return None
        return self.finish(job, judged_from(run, job.decisions))

    def finish(self, job: Prepared, found: Judged | ComplianceError) -> Change | None:
        """Record a check judged again (here or in a judging process): its new basis, or its change."""
        return self.finish_many([(job, found)])[0]

    def finish_many(self, results: list[tuple[Prepared, Judged | ComplianceError]]) -> list[Change | None]:
        """`finish` for several checks in one transaction (a transaction each held the database's
        writer lock as often as the requests' own writes)."""
        out: list[Change | None] = []
        with self.sessions() as session, session.begin():
            hooks: dict[int, list[str]] = {}
            for job, found in results:
                if isinstance(found, ComplianceError):
                    _idle(session, job.row.check_id, job.basis, status="failed", error=str(found))
                    out.append(None)
                elif found.verdict == job.record.verdict:
                    _idle(session, job.row.check_id, job.basis)
                    out.append(None)
                else:
                    cause = _causes(job.row, job.basis, job.decisions)
                    out.append(
                        self._store_change(session, hooks, job.row, job.record, job.basis, found, cause)
                    )
        return out

    def _idle(self, check_id: str, basis: Basis) -> None:
        with self.sessions() as session, session.begin():
            _idle(session, check_id, basis)

    @staticmethod
    def _store_change(session: Session, hooks: dict[int, list[str]], row: WatchedCheck, before: CheckRecord,
                      basis: Basis, found: Judged, cause: dict[str, Any]) -> Change:  # fmt: skip
        moment = now()
        after = {
            "id": store.new_id(), "organisation_id": before.organisation_id, "token_id": WATCH_TOKEN,
            "created_at": moment, "idempotency_key": None, "request_hash": before.request_hash,
            "shipment_id": found.shipment_id, "containers": found.containers, "verdict": found.verdict,
            "as_of": found.as_of, "lang": "en", "rulesets_sha256": found.rulesets_sha256, "rulesets": found.rulesets,
            "registry_sources": found.registry_sources, "inputs": found.inputs,
            "reports_z": found.reports_z,
        }  # fmt: skip
        change = Change(
            organisation_id=before.organisation_id, at=moment, shipment_id=found.shipment_id,
            before_check=before.id, after_check=after["id"], before=before.verdict, after=found.verdict,
            cause=cause, items=_item_changes(row.item_verdicts or {}, found.item_verdicts or {}),
        )  # fmt: skip
        # Plain INSERT statements (the ORM's unit of work took half of a re-judge), in the caller's
        # transaction.
        session.execute(insert(CheckRecord), [after])
        session.execute(insert(WatchedCheck), [{
            "check_id": after["id"], "organisation_id": row.organisation_id, "upload_z": row.upload_z,
            "options": row.options, "open_until": row.open_until, "pinned": row.pinned, "status": "idle",
            "attempts": 0, "judged_at": moment, "item_verdicts": found.item_verdicts or {},
            **_basis_values(basis),
        }])  # fmt: skip
        session.execute(update(WatchedCheck).where(WatchedCheck.check_id == row.check_id).values(
            status="idle", closed_at=moment, superseded_by=after["id"], attempts=0,
        ))  # fmt: skip
        session.add(change)
        session.flush()
        org = before.organisation_id
        if org not in hooks:
            hooks[org] = list(session.scalars(select(Webhook.id).where(
                Webhook.organisation_id == org, Webhook.removed_at.is_(None))))  # fmt: skip
        if hooks[org]:
            session.execute(insert(Delivery), [
                {"organisation_id": org, "webhook_id": hook, "change_id": change.id,
                 "status": "pending", "next_attempt_at": moment, "attempts": [], "created_at": moment}
                for hook in hooks[org]
            ])  # fmt: skip
        return change


def new_watch(record: CheckRecord, found: Judged, upload: Upload, options: dict[str, Any],
              registry_sha256: str, today: dt.date) -> WatchedCheck | None:  # fmt: skip
    """The watch of a check just judged, or None when its shipment has arrived already."""
    try:
        arrival = dt.date.fromisoformat(found.arrival)
    except ValueError:
        return None
    if arrival < today:
        return None
    basis = Basis(found.rulesets_sha256, registry_sha256, found.decisions_sha256, found.decision_ids,
                  dt.date.fromisoformat(found.as_of))  # fmt: skip
    return WatchedCheck(
        check_id=record.id, organisation_id=record.organisation_id, upload_z=pack_upload(upload), options=options,
        open_until=arrival, pinned=False, status="idle", attempts=0, judged_at=now(),
        item_verdicts=found.item_verdicts or {}, **_basis_values(basis),
    )  # fmt: skip


def _idle(
    session: Session, check_id: str, basis: Basis, *, status: str = "idle", error: str | None = None
) -> None:
    session.execute(update(WatchedCheck).where(WatchedCheck.check_id == check_id).values(
        status=status, attempts=0, judged_at=now(), error=error, **_basis_values(basis),
    ))  # fmt: skip


def _basis_values(basis: Basis) -> dict[str, Any]:
    return {"rulesets_sha256": basis.rulesets_sha256, "registry_sha256": basis.registry_sha256,
            "decisions_sha256": basis.decisions_sha256, "decision_ids": list(basis.decision_ids),
            "as_of": basis.day}  # fmt: skip


def _differs(row: WatchedCheck, basis: Basis) -> bool:
    return (row.rulesets_sha256, row.registry_sha256, row.decisions_sha256, row.as_of) != (
        basis.rulesets_sha256, basis.registry_sha256, basis.decisions_sha256, basis.day)  # fmt: skip


def _causes(row: WatchedCheck, basis: Basis, decisions: list[Decision]) -> dict[str, Any]:
    """Why the check was judged again: every part of its basis that changed, with what it was and is."""
    cause: dict[str, Any] = {"kinds": []}
    if row.rulesets_sha256 != basis.rulesets_sha256:
        cause["kinds"].append("rulesets")
        cause["rulesets"] = {"from": row.rulesets_sha256, "to": basis.rulesets_sha256}
    if row.registry_sha256 != basis.registry_sha256:
        cause["kinds"].append("registry")
        cause["registry"] = {"from": row.registry_sha256, "to": basis.registry_sha256}
    expired = sorted(d.id for d in decisions if row.as_of <= d.expires < basis.day)
    if row.decisions_sha256 != basis.decisions_sha256 or expired:
        cause["kinds"].append("decisions")
        old, new = set(row.decision_ids), set(basis.decision_ids)
        cause["decisions"] = {"added": sorted(new - old), "removed": sorted(old - new), "expired": expired}
    if row.as_of != basis.day:
        cause["kinds"].append("day")
        cause["day"] = {"from": row.as_of.isoformat(), "to": basis.day.isoformat()}
    return cause


def _item_changes(old: dict[str, str], after: dict[str, str]) -> list[dict[str, str]]:
    return [{"id": k, "before": old.get(k, ""), "after": v} for k, v in after.items() if old.get(k) != v]


def recover(sessions: sessionmaker[Session]) -> int:
    """Re-judges a stopped server left running: queued again, or failed after too many interruptions."""
    with sessions() as session, session.begin():
        stuck = list(session.scalars(select(WatchedCheck).where(WatchedCheck.status == "running")))
        for row in stuck:
            if row.attempts >= MAX_ATTEMPTS:
                row.status, row.error = "failed", f"interrupted {row.attempts} times by server restarts"
            else:
                row.status = "queued"
    return len(stuck)
