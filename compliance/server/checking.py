"""A check judged and stored: what `POST /v1/checks` and the new-check page do in a worker thread."""

from __future__ import annotations

import json
from typing import Any

from compliance.i18n import LANGUAGES
from compliance.models.decisions import Decision
from compliance.render.json_format import report_dict
from compliance.server import store
from compliance.server.app import State
from compliance.server.db import CheckRecord
from compliance.server.decision_store import org_decisions
from compliance.server.intake import Upload, judge
from compliance.server.tokens import Caller
from compliance.service import CheckRequest


def body_of(data: dict[str, Any]) -> bytes:
    # The report is plain JSON data already: serialized once, without FastAPI's generic encoder.
    return json.dumps(data, ensure_ascii=False).encode()


def stored_or_checked(
    state: State, caller: Caller, upload: Upload, check: CheckRequest, key: str | None, digest: str,
    ignore_decisions: bool, lang: str,
) -> tuple[CheckRecord, bool, bytes]:  # fmt: skip
    """The earlier answer under this Idempotency-Key (not made now), or the check judged and stored
    with the answer's bytes."""
    if key:
        with state.sessions() as session:
            existing = store.by_idempotency(session, caller.organisation_id, key)
        if existing is not None:
            return existing, False, b""
    decisions = [] if ignore_decisions else org_decisions(state, caller)
    record = check_and_store(state, caller, upload, check, key, digest, decisions)
    return record, True, body_of(store.whole(record, caller.organisation, lang))


def check_and_store(
    state: State, caller: Caller, upload: Upload, check: CheckRequest, key: str | None, digest: str,
    decisions: list[Decision],
) -> CheckRecord:  # fmt: skip
    run = judge(upload, check, state.library, decisions)
    report = run.reports[0]
    record = CheckRecord(
        id=store.new_id(), organisation_id=caller.organisation_id, token_id=caller.token_id,
        created_at=store.now(), idempotency_key=key, request_hash=digest, shipment_id=report.shipment_id,
        containers="," + ",".join(c.container for c in report.containers or []) + ",",
        verdict=report.verdict, as_of=report.as_of, lang="en", rulesets_sha256=report.rulesets_sha256,
        rulesets=[{"id": r.id, "version": r.version} for r in report.rulesets],
        registry_sources=list(report.registry_sources),
        inputs=[{"name": str(path), "sha256": sha} for path, sha in run.inputs],
        reports={lang: report_dict(report, lang) for lang in LANGUAGES},
    )  # fmt: skip
    with state.sessions() as session:
        return store.save(session, record)
