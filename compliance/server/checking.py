"""A check judged and stored: what `POST /v1/checks` and the new-check page do.

Judging (`judged`) runs in a judging process (`compliance.server.judges`) or, with none, in a worker
thread; storing and the answer's bytes run in a worker thread of the server process."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from compliance.language.i18n import LANGUAGES
from compliance.models.decisions import Decision
from compliance.render.json_format import report_dict
from compliance.server import store
from compliance.server.db import CheckRecord, compress_reports
from compliance.server.decision_store import decisions_of
from compliance.server.intake import Upload, judge
from compliance.server.state import State
from compliance.server.tokens import Caller
from compliance.service import CheckRequest, Library


@dataclass(frozen=True)
class Judged:
    """A check judged: what its record keeps (the report in every language), but who asked and when."""

    shipment_id: str
    containers: str
    verdict: str
    as_of: str
    rulesets_sha256: str
    rulesets: list[dict[str, str | None]]
    registry_sources: list[str]
    inputs: list[dict[str, str]]
    #: The report in each language, as JSON text: written once here (a judging process), then
    #: stored and answered as it is.
    reports: dict[str, str]


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


def judged(upload: Upload, check: CheckRequest, library: Library, decisions: Sequence[Decision]) -> Judged:
    run = judge(upload, check, library, decisions)
    report = run.reports[0]
    dumped = report.model_dump(mode="json")  # once for both languages
    return Judged(
        shipment_id=report.shipment_id,
        containers="," + ",".join(c.container for c in report.containers or []) + ",",
        verdict=report.verdict, as_of=report.as_of, rulesets_sha256=report.rulesets_sha256,
        rulesets=[{"id": r.id, "version": r.version} for r in report.rulesets],
        registry_sources=list(report.registry_sources),
        inputs=[{"name": str(path), "sha256": sha} for path, sha in run.inputs],
        reports={lang: body_of(report_dict(report, lang, dumped)).decode() for lang in LANGUAGES},
    )  # fmt: skip


def body_of(data: dict[str, Any]) -> bytes:
    # The report is plain JSON data already: serialized once, without FastAPI's generic encoder, by
    # orjson (UTF-8, compact; the standard library took a tenth of a check's judging time for it).
    return orjson.dumps(data)


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
    record, body = await run_in_threadpool(_stored, state, caller, found, key, digest, lang)
    return record, True, body


async def check_and_store(
    state: State, caller: Caller, upload: Upload, check: CheckRequest, key: str | None, digest: str,
    decisions: Decisions,
) -> CheckRecord:  # fmt: skip
    found = await judge_check(state, upload, check, decisions)
    record, _ = await run_in_threadpool(_stored, state, caller, found, key, digest, None)
    return record


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
    state: State, caller: Caller, found: Judged, key: str | None, digest: str, lang: str | None
) -> tuple[CheckRecord, bytes]:
    record = CheckRecord(
        id=store.new_id(), organisation_id=caller.organisation_id, token_id=caller.token_id,
        created_at=store.now(), idempotency_key=key, request_hash=digest, shipment_id=found.shipment_id,
        containers=found.containers, verdict=found.verdict, as_of=found.as_of, lang="en",
        rulesets_sha256=found.rulesets_sha256, rulesets=found.rulesets, registry_sources=found.registry_sources,
        inputs=found.inputs,
        reports_z=compress_reports("{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in found.reports.items()) + "}"),
    )  # fmt: skip
    with state.sessions() as session:
        saved = store.save(session, record)
    if not lang:
        return saved, b""
    if saved is not record:  # another request with the same Idempotency-Key was stored first
        return saved, body_of(store.whole(saved, caller.organisation, lang))
    return saved, store.whole_text(saved, caller.organisation, lang, found.reports[lang])
