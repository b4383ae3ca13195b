"""From raw answers to requirement statuses, ruleset, item and shipment verdicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from compliance.judging.applicability import Applicability, applicability, open_reason
from compliance.judging.checks.base import or_words
from compliance.judging.decide import Ledger, fingerprint
from compliance.judging.facts import ItemFacts
from compliance.judging.program import MISSING, OFFERED, Answer
from compliance.judging.trials import _TRIAL_RANK, deciding_warnings, registry_age, trial
from compliance.language.i18n import N_
from compliance.language.phrases import Phrase, Template, join, sentence, text, word
from compliance.models.manifest import Shipment
from compliance.models.registry import Registry
from compliance.models.report import (
    UNMET,
    DocumentTrial,
    RequirementResult,
    RulesetResult,
    Severity,
    Status,
    Verdict,
    worst,
)
from compliance.models.ruleset import Requirement, Ruleset, Version

# The sentences a verdict can carry, by code (words are made when rendering).
WITH_EXPLANATION = Template("action-explained", "{explain}. {action}")
AGE_OVER = Template(
    "machine-age-over-limit",
    N_(
        "machine is {age} calendar years old ({year} minus year of manufacture {made}); "
        "the limit is {limit}. {action}"
    ),
)
AGE_WITHIN = Template("machine-age-within-limit", N_("{age} calendar years old, within the limit"))
NO_DOCUMENT = Template("document-missing", N_("No {documents} covers this item. {action}"))
SATISFIED_BY = Template("document-satisfies", N_("satisfied by {document}"))
PERSON_DECIDES = Template("document-review", N_("{document}: {problems}. A person must decide."))
DOCUMENT_PROBLEMS = Template("document-problems", "{document}: {problems}.")
ALL_INVALID = Template("documents-invalid", "{trials} {action}")
WITH_NOTE = Template("criterion-unstated", "{message} {note}")
WITH_UNCERTAINTY = Template("scope-uncertain", "{message} ({reason})")
NOT_YET = Template(
    "ruleset-not-yet-in-force", N_("not yet in force on {day}; version {version} takes effect {start}")
)
ONLY_DRAFTS = Template(
    "ruleset-only-drafts", N_("the ruleset has only draft versions (include them with --drafts)")
)
ENDED = Template("ruleset-ended", N_("no version in force on {day} (last version ended {end})"))
OPEN_QUESTION = Template("rule-open-question", N_("{message}; but {question}. A person must decide."))


@dataclass(frozen=True)
class Context:
    ruleset: Ruleset
    version: Version
    shipment: Shipment
    facts: ItemFacts
    key_prefix: str
    #: The run's decisions (none: every review stays a review).
    ledger: Ledger | None = None
    #: The same item's results of the rulesets this version yields to (`Scope.yields_to`).
    routes: Mapping[str, RulesetResult] | None = None
    #: The run's registry: how current it is matters where the ruleset says how often it is renewed.
    registry: Registry | None = None


@dataclass(frozen=True)
class RequirementFinding:
    """What a requirement's documents (or the machine's age) show, before the scope's open questions
    and the run's decisions have their say (`settled_result`)."""

    status: Status
    message: Phrase
    severity: Severity
    action: Phrase
    trials: list[DocumentTrial]
    warnings: list[Phrase]


def requirement_result(
    ctx: Context, req: Requirement, answers: frozenset[Answer], app: Applicability
) -> RequirementResult:
    return settled_result(ctx, req, requirement_finding(ctx, req, answers), app)


def requirement_finding(ctx: Context, req: Requirement, answers: frozenset[Answer]) -> RequirementFinding:
    """The requirement judged on the engine's answers. It reads the scope only through the ruleset
    version, the shipment and the facts: a scope's open question changes what follows, not this."""
    key = f"{ctx.key_prefix}/{req.id}"
    severity, unstated = _severity(ctx, req)
    action = sentence(text(req.action))
    trials: list[DocumentTrial] = []
    warnings: list[Phrase] = []
    status: Status
    if req.item_checks:
        status, message = _age_finding(ctx.facts, req, key, answers, action)
    else:
        status, message, trials, warnings = _documents_finding(ctx, req, key, answers, action)
    if status in UNMET and unstated is not None:
        status = "review"
        message = WITH_NOTE(message=message, note=unstated)
    return RequirementFinding(status, message, severity, action, trials, warnings)


def _severity(ctx: Context, req: Requirement) -> tuple[Severity, Phrase | None]:
    """The requirement's severity, set by the tender's carbon criterion where the version says so;
    and, where the tender states none, why an unmet requirement then goes to a person."""
    ts = ctx.version.tender_severity
    if ts is None:
        return req.severity, None
    criterion = ctx.shipment.tender.carbon_criterion if ctx.shipment.tender else None
    if criterion is None:
        return "blocking", text(ts.unstated_reason)
    severity: Severity = getattr(ts, criterion)
    return severity, None


def _age_finding(
    facts: ItemFacts, req: Requirement, key: str, answers: frozenset[Answer], action: Phrase
) -> tuple[Status, Phrase]:
    unmet = [ic for j, ic in enumerate(req.item_checks) if Answer(key, f"i{j}") not in answers]
    # The strictest unmet check decides: a failed limit outranks a band left to a person.
    failed = [ic for ic in unmet if ic.unmet == "failed"] or unmet
    if not failed:
        return "satisfied", AGE_WITHIN(age=facts.calendar_age)
    explain = failed[0].explain
    message = AGE_OVER(
        age=facts.calendar_age, year=facts.as_of.year, made=_year(facts),
        limit=min(ic.calendar_age_at_most for ic in failed),
        action=WITH_EXPLANATION(explain=sentence(text(explain)), action=action) if explain else action,
    )  # fmt: skip
    return failed[0].unmet, message


def _documents_finding(
    ctx: Context, req: Requirement, key: str, answers: frozenset[Answer], action: Phrase
) -> tuple[Status, Phrase, list[DocumentTrial], list[Phrase]]:
    """What the documents of the requirement's types show: the best one decides."""
    if Answer(key, MISSING) in answers:
        labels = or_words([word("document_type", t.value, english="spaced") for t in req.documents])
        return "missing", NO_DOCUMENT(documents=labels, action=action), [], []
    facts = ctx.facts
    docs = [df for df in facts.documents if df.doc.type in req.documents]
    offered = {a.document for a in answers if a.key == key and a.kind == OFFERED}
    trials = [trial(req, key, df, answers, facts) for df in docs if df.doc.id in offered]
    best = max(trials, key=lambda t: _TRIAL_RANK[t.status])
    status: Status = best.status
    message: Phrase
    warnings: list[Phrase] = []
    if best.status == "satisfied":
        message = SATISFIED_BY(document=best.document)
    elif best.status == "review":
        message = PERSON_DECIDES(document=best.document, problems=join(best.problems, "; "))
    else:
        tried = [DOCUMENT_PROBLEMS(document=t.document, problems=join(t.problems, "; ")) for t in trials]
        message = ALL_INVALID(trials=join(tried, " "), action=action)
    if best.status != "invalid":
        deciding = next(df for df in docs if df.doc.id == best.document)
        warnings = deciding_warnings(req, key, deciding, answers, ctx.shipment.destination)
    warnings = [*warnings, *registry_age(ctx.ruleset, req, ctx.registry, facts.as_of)]
    if status == "satisfied" and req.open_question is not None:
        status = "review"
        message = OPEN_QUESTION(message=message, question=text(req.open_question))
    return status, message, trials, warnings


def settled_result(
    ctx: Context, req: Requirement, found: RequirementFinding, app: Applicability
) -> RequirementResult:
    """A finding as the requirement's result: a blocking requirement unmet where the scope leaves a
    question open goes to a person (review), then the run's decisions settle what they name."""
    status, message, severity, warnings = found.status, found.message, found.severity, found.warnings
    facts = ctx.facts
    if status in UNMET and app.uncertain is not None and severity == "blocking":
        status = "review"
        message = WITH_UNCERTAINTY(message=message, reason=app.uncertain)
    decided = None
    if ctx.ledger is not None:
        item = facts.item
        settled = ctx.ledger.settle(ctx.ruleset.id, req.id, ctx.shipment, item, facts.as_of, status, message)
        status, message, decided = settled.status, settled.message, settled.decision
        warnings = [*warnings, *settled.notes]
    return RequirementResult(
        fingerprint=fingerprint(ctx.ruleset.id, req.id, ctx.shipment, facts.item),
        decision=decided,
        id=req.id,
        status=status,
        severity=severity,
        document_type=req.document_type,
        documents=[t.document for t in found.trials],
        message=message,
        citation=text(ctx.ruleset.citation_text(req.citation)),
        warnings=list(warnings),
        needed_by=req.needed_by,
        title=text(req.title),
        action=found.action,
        document_types=[t.value for t in req.documents],
        issuer=text(req.issuer) if req.issuer else None,
        lead_time_weeks=req.lead_time_weeks,
        trials=found.trials,
    )


def _year(facts: ItemFacts) -> int:
    made = facts.item.manufactured
    return made if isinstance(made, int) else made.year


def requirement_verdict(requirement: RequirementResult) -> Verdict:
    """What one requirement makes of its ruleset's verdict: a blocking one unmet holds, one left to a
    person is review; an advisory one never changes a verdict."""
    if requirement.severity != "blocking":
        return "clear"
    if requirement.status in UNMET:
        return "hold"
    return "review" if requirement.status == "review" else "clear"


def ruleset_verdict(requirements: list[RequirementResult], uncertain: bool) -> Verdict:
    """The worst of its requirements' verdicts (`requirement_verdict`), and review at least where the
    scope leaves a question open."""
    return worst([requirement_verdict(r) for r in requirements] + (["review"] if uncertain else []))


def ruleset_result(ctx: Context, answers: frozenset[Answer]) -> RulesetResult:
    """The result of one ruleset version for one item (not applying: the reason, no verdict)."""
    app = applicability(ctx.ruleset, ctx.version, ctx.shipment, ctx.facts, ctx.routes)
    base = dict(
        ruleset=ctx.ruleset.id, version=ctx.version.version, title=text(ctx.ruleset.title),
        source_confidence=ctx.version.source_confidence or ctx.ruleset.source_confidence,
    )  # fmt: skip
    if not app.applies:
        return RulesetResult(**base, applies=False, reason=app.reason)
    reqs = [requirement_result(ctx, r, answers, app) for r in ctx.version.requirements]
    return RulesetResult(
        **base, applies=True, verdict=ruleset_verdict(reqs, open_reason(app) is not None), reason=open_reason(app),
        requirements=reqs,
        citation=text(ctx.ruleset.citation_text(ctx.version.scope.citation)) if ctx.version.scope.citation else None,
    )  # fmt: skip


def not_in_force(ruleset: Ruleset, as_of: dt.date) -> RulesetResult:
    nxt = ruleset.next_version_after(as_of)
    reason: Phrase
    if nxt is not None:
        reason = NOT_YET(day=as_of.isoformat(), version=nxt.version, start=nxt.effective_from.isoformat())
        version = nxt.version
    elif not ruleset.versions:
        version = ""
        reason = ONLY_DRAFTS()
    else:
        last = max(ruleset.versions, key=lambda v: v.effective_from)
        version = last.version
        reason = ENDED(day=as_of.isoformat(), end=str(last.effective_to))
    return RulesetResult(
        ruleset=ruleset.id, version=version, applies=False, reason=reason, title=text(ruleset.title),
        source_confidence=ruleset.source_confidence,
    )  # fmt: skip
