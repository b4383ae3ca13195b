"""A check judged, as its record keeps it: the report in every language and what it rests on. Made
where the check is judged (a judging process, a worker thread, the watch), stored by the server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from compliance.language.i18n import LANGUAGES
from compliance.models.decisions import Decision
from compliance.render.json_format import report_dict
from compliance.server.db import compress_reports
from compliance.server.intake import Upload, judge
from compliance.service import CheckRequest, CheckRun, Library


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
    #: The reports as a check's record stores them: one JSON object by language, compressed where the
    #: check is judged, so that the server process, which answers every request, spends no time on it.
    reports_z: bytes
    #: The shipment's arrival day (a check is watched until then).
    arrival: str = ""
    #: The decisions it was judged with (the organisation's approved ones, or none), for the watch.
    decision_ids: tuple[str, ...] = ()
    decisions_sha256: str = ""
    #: Each item's verdict, by item id.
    item_verdicts: dict[str, str] | None = None


def _object_of(reports: dict[str, str]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in reports.items()) + "}"


def judged(upload: Upload, check: CheckRequest, library: Library, decisions: Sequence[Decision]) -> Judged:
    return judged_from(judge(upload, check, library, decisions), decisions)


def judged_from(run: CheckRun, decisions: Sequence[Decision]) -> Judged:
    report = run.reports[0]
    dumped = report.model_dump(mode="json")  # once for both languages
    reports = {lang: body_of(report_dict(report, lang, dumped)).decode() for lang in LANGUAGES}
    return Judged(
        shipment_id=report.shipment_id,
        containers="," + ",".join(c.container for c in report.containers or []) + ",",
        verdict=report.verdict, as_of=report.as_of, rulesets_sha256=report.rulesets_sha256,
        rulesets=[{"id": r.id, "version": r.version} for r in report.rulesets],
        registry_sources=list(report.registry_sources),
        inputs=[{"name": str(path), "sha256": sha} for path, sha in run.inputs],
        reports=reports, reports_z=compress_reports(_object_of(reports)),
        arrival=report.arrival_date, decision_ids=tuple(d.id for d in decisions),
        decisions_sha256=decisions_digest(decisions),
        item_verdicts={i.item_id: i.verdict for i in report.items},
    )  # fmt: skip


def decisions_digest(decisions: Sequence[Decision]) -> str:
    """What the watch compares to know the decisions changed: their content, in no order."""
    dumped = sorted(json.dumps(d.model_dump(mode="json"), sort_keys=True) for d in decisions)
    return hashlib.sha256("\n".join(dumped).encode()).hexdigest()


def body_of(data: dict[str, Any]) -> bytes:
    # The report is plain JSON data already: serialized once, without FastAPI's generic encoder, by
    # orjson (UTF-8, compact; the standard library took a tenth of a check's judging time for it).
    return orjson.dumps(data)
