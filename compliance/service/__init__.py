"""The service layer: what every face (the CLI and the HTTP service) calls. Functions take plain
requests and return objects (reports with the inputs they rest on, audit entries in `audit`, diffs,
exit codes); parsing options and rendering stay with the faces.

May import: `compliance.authoring`, `compliance.inventory`, `compliance.render`, `compliance.api`
and every layer below them; never a face (`compliance.cli`, `compliance.server`)."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance import api
from compliance.models.decisions import Decision
from compliance.models.errors import ExitCode, UsageError
from compliance.models.registry import Registry
from compliance.models.report import Report, Verdict, worst
from compliance.models.ruleset import Ruleset, rulesets_digest
from compliance.reading.inputs import (
    check_dates,
    load_decisions,
    load_manifest,
    load_registry,
    load_rulesets,
    ruleset_files,
    select_rulesets,
)
from compliance.reading.loading import DEFAULT_MAX_BYTES
from compliance.reading.resources import DEFAULT_RULESETS, SAMPLE_REGISTRY
from compliance.service.audit import entry, file_digests

#: The contract's exit codes for verdicts.
VERDICT_EXIT: dict[str, ExitCode] = {
    "clear": ExitCode.CLEAR,
    "hold": ExitCode.HOLD,
    "review": ExitCode.REVIEW,
}


def exit_code(verdicts: list[Verdict]) -> ExitCode:
    """The exit code of a run: its worst verdict."""
    return VERDICT_EXIT[worst(verdicts)]


def inventory_exit_code(counts: Mapping[str, Counter[str]]) -> ExitCode:
    """2 when any row is malformed (its output row says why), else the worst verdict of any row."""
    totals: Counter[str] = Counter()
    for c in counts.values():
        totals.update(c)
    if totals["error"]:
        return ExitCode.BAD_INPUT
    present: list[Verdict] = [v for v in ("hold", "review", "clear") if totals[v]]
    return exit_code(present) if present else ExitCode.CLEAR


@dataclass(frozen=True)
class CheckRequest:
    manifests: list[Path]
    registries: list[Path] = field(default_factory=list)
    rulesets_dir: Path | None = None
    ruleset_ids: list[str] = field(default_factory=list)
    as_of: dt.date | None = None
    drafts: bool = False
    max_size: int = DEFAULT_MAX_BYTES
    produced_at: dt.datetime | None = None
    #: Who prepares the checklist (the broker's company and contact), shown in its header and sign-off.
    prepared_by: str | None = None
    #: A decisions file: reviews a person settled, applied where they match (unless ``ignore_decisions``).
    decisions: Path | None = None
    ignore_decisions: bool = False


@dataclass
class CheckRun:
    """The reports of one run and everything they rest on; ``inputs`` fills as files are read, so a
    run that fails on input can still say what it had read."""

    request: CheckRequest
    reports: list[Report] = field(default_factory=list)
    inputs: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        return exit_code([r.verdict for r in self.reports])

    def audit_entry(self, command: list[str]) -> dict[str, Any]:
        """The audit line of a run that reached its verdicts."""
        req = self.request
        shipped = file_digests(
            [*ruleset_files(req.rulesets_dir or DEFAULT_RULESETS), *(req.registries or [SAMPLE_REGISTRY])]
        )
        first = self.reports[0]
        return entry(
            command=command,
            inputs=[*self.inputs, *shipped],
            rulesets=[{"id": i.id, "version": i.version} for i in first.rulesets],
            rulesets_sha256=first.rulesets_sha256,
            decisions_applied=sorted({d for r in self.reports for d in r.decisions_applied}),
            as_of=sorted({r.as_of for r in self.reports}),
            verdicts=[
                {
                    "shipment_id": r.shipment_id,
                    "verdict": r.verdict,
                    "items": {i.item_id: i.verdict for i in r.items},
                }
                for r in self.reports
            ],
        )

    def failed_entry(self, command: list[str], error: str) -> dict[str, Any]:
        """The audit line of a run that failed on input."""
        return entry(command=command, inputs=self.inputs, rulesets=[], as_of=[], verdicts=[], outcome="bad_input",
                     error=error)  # fmt: skip


@dataclass(frozen=True)
class Library:
    """Rulesets (drafts included) and a registry loaded once, for a long-running face (the server)."""

    rulesets: list[Ruleset]
    registry: Registry
    #: Each selection asked for so far (ids, drafts) with its content hash: a server's checks ask for
    #: the same few, and hashing the rulesets' text again took a twentieth of a check.
    _selections: dict[tuple[tuple[str, ...], bool], tuple[list[Ruleset], str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def load(cls, rulesets_dir: Path | None, registries: list[Path]) -> Library:
        return cls(load_rulesets(rulesets_dir, drafts=True), load_registry(registries))

    def selected(self, ids: Sequence[str], *, drafts: bool) -> tuple[list[Ruleset], str]:
        """The rulesets asked for (as `select_rulesets` picks them) and their content hash."""
        key = (tuple(ids), drafts)
        found = self._selections.get(key)
        if found is None:
            rulesets = select_rulesets(self.rulesets, list(ids), drafts=drafts)
            found = (rulesets, rulesets_digest(rulesets))
            if len(self._selections) < 256:  # bounded: the ids come from requests
                self._selections[key] = found
        return found


def check_files(
    run: CheckRun, library: Library | None = None, decisions: Sequence[Decision] | None = None
) -> CheckRun:
    """Load the rulesets, the registry, the decisions and each manifest, and judge them: one report per
    manifest. With a ``library``, its rulesets and registry are used instead of reading them again;
    with ``decisions``, those instead of the request's decisions file."""
    req = run.request
    digest: str | None = None
    if library is None:
        rulesets = load_rulesets(req.rulesets_dir, req.ruleset_ids, drafts=req.drafts)
        registry = load_registry(req.registries)
    else:
        rulesets, digest = library.selected(req.ruleset_ids, drafts=req.drafts)
        registry = library.registry
    if decisions is None:
        decisions = []
        if req.decisions is not None and not req.ignore_decisions:
            found = load_decisions(req.decisions, rulesets)
            decisions = found.decisions
            if found.located.sha256:
                run.inputs.append((req.decisions, found.located.sha256))
    elif req.ignore_decisions:
        decisions = []
    for path in req.manifests:
        loaded = load_manifest(path, max_bytes=req.max_size)
        run.inputs.extend(loaded.inputs)
        check_dates(loaded, req.as_of or loaded.manifest.shipment.arrival_date)
        report = api.check(
            loaded.manifest,
            rulesets,
            registry,
            as_of=req.as_of,
            produced_at=req.produced_at,
            rulesets_sha256=digest,
            decisions=decisions,
        )
        if req.prepared_by:
            report = report.model_copy(update={"prepared_by": req.prepared_by})
        run.reports.append(report)
    return run


def produced_now() -> dt.datetime:
    """Now, or the moment SOURCE_DATE_EPOCH names: the reproducible-builds convention, so a checklist
    made twice from the same inputs can be byte-identical (golden files, archived filings)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError):
            raise UsageError(
                f"SOURCE_DATE_EPOCH is '{epoch}'; expected whole seconds since 1970-01-01",
                field="SOURCE_DATE_EPOCH",
            ) from None
    return dt.datetime.now(dt.UTC)
