"""A check judged and stored: what `POST /v1/checks` and the new-check page do.

Judging (`judged`) runs in a judging process (`compliance.server.judges`) or, with none, in a worker
thread; storing and the answer's bytes run in a worker thread of the server process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from compliance.models.decisions import Decision
from compliance.server import store, watch
from compliance.server.db import CheckRecord
from compliance.server.decision_store import decisions_of
from compliance.server.intake import Upload
from compliance.server.judged import Judged, body_of, judged
from compliance.server.state import State
from compliance.server.tokens import Caller
from compliance.service import CheckRequest

__all__ = ["Decisions", "Judged", "OrganisationDecisions", "body_of", "check_and_store", "decisions_for",
           "judged", "stored_or_checked"]  # fmt: skip


@dataclass(frozen=True)
class OrganisationDecisions:
    """An organisation's recorded decisions, read from the database where its check is judged (a
    judging process, or a worker thread): the server process makes no trip to a worker thread for
    them before judging."""

    organisation_id: int


#: The decisions a check applies: given, or the organisation's own.
Decisions = Sequence[Decision] | OrganisationDecisions


def decisions_for(decisions: Decisions, sessions: sessionmaker[Session]) -> Sequence[Decision]:
    if not isinstance(decisions, OrganisationDecisions):
        return decisions
    with sessions() as session:
        return decisions_of(session, decisions.organisation_id)


async def stored_or_checked(
    state: State, caller: Caller, upload: Upload, check: CheckRequest, key: str | None, digest: str,
    ignore_decisions: bool, lang: str,
) -> tuple[CheckRecord, bool, bytes]:  # fmt: skip
    """The earlier answer under this Idempotency-Key (not made now), or the check judged and stored
    with the answer's bytes."""
    decisions: Decisions = [] if ignore_decisions else OrganisationDecisions(caller.organisation_id)
    if key:
        existing = await run_in_threadpool(_earlier, state, caller, key)
        if existing is not None:
            return existing, False, b""
    found = await judge_check(state, upload, check, decisions)
    options = watch_options(check, ignore_decisions)
    record, body = await run_in_threadpool(_stored, state, caller, found, key, digest, lang, upload, options)
    return record, True, body


async def check_and_store(
    state: State, caller: Caller, upload: Upload, check: CheckRequest, key: str | None, digest: str,
    decisions: Decisions,
) -> CheckRecord:  # fmt: skip
    found = await judge_check(state, upload, check, decisions)
    options = watch_options(check, not isinstance(decisions, OrganisationDecisions))
    record, _ = await run_in_threadpool(_stored, state, caller, found, key, digest, None, upload, options)
    return record


def watch_options(check: CheckRequest, ignore_decisions: bool) -> dict[str, object]:
    """How the check was asked for, as the watch asks for it again."""
    return {"as_of": check.as_of.isoformat() if check.as_of else None, "rulesets": list(check.ruleset_ids),
            "drafts": check.drafts, "ignore_decisions": ignore_decisions}  # fmt: skip


async def judge_check(state: State, upload: Upload, check: CheckRequest, decisions: Decisions) -> Judged:
    if state.judges is not None:
        return await state.judges.judge(upload, check, decisions)
    async with state.judging:  # in this process's threads: two at a time, the rest in order
        return await run_in_threadpool(_judged_in_thread, state, upload, check, decisions)


def _judged_in_thread(state: State, upload: Upload, check: CheckRequest, decisions: Decisions) -> Judged:
    return judged(upload, check, state.library, decisions_for(decisions, state.sessions))


def _earlier(state: State, caller: Caller, key: str) -> CheckRecord | None:
    with state.sessions() as session:
        return store.by_idempotency(session, caller.organisation_id, key)


def _stored(
    state: State, caller: Caller, found: Judged, key: str | None, digest: str, lang: str | None,
    upload: Upload, options: dict[str, object],
) -> tuple[CheckRecord, bytes]:  # fmt: skip
    record = CheckRecord(
        id=store.new_id(), organisation_id=caller.organisation_id, token_id=caller.token_id,
        created_at=store.now(), idempotency_key=key, request_hash=digest, shipment_id=found.shipment_id,
        containers=found.containers, verdict=found.verdict, as_of=found.as_of, lang="en",
        rulesets_sha256=found.rulesets_sha256, rulesets=found.rulesets, registry_sources=found.registry_sources,
        inputs=found.inputs,
        reports_z=found.reports_z,
    )  # fmt: skip
    # Kept to be judged again while its shipment has not arrived (the watch).
    watched = watch.new_watch(record, found, upload, options, state.registry_sha256, dt.date.today())
    with state.sessions() as session:
        saved = store.save(session, record, watched)
    if not lang:
        return saved, b""
    if saved is not record:  # another request with the same Idempotency-Key was stored first
        return saved, body_of(store.whole(saved, caller.organisation, lang))
    return saved, store.whole_text(saved, caller.organisation, lang, found.reports[lang])
