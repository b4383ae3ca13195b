"""From raw answers to requirement statuses, ruleset, item and shipment verdicts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from compliance.applicability import Applicability, applicability, open_reason
from compliance.checks import kind_of
from compliance.checks.base import or_words
from compliance.decide import Ledger, fingerprint
from compliance.facts import DocumentFacts, ItemFacts
from compliance.i18n import N_
from compliance.models.manifest import Shipment
from compliance.models.registry import Registry
from compliance.models.report import (
    DocumentTrial,
    Finding,
    RequirementResult,
    RulesetResult,
    Severity,
    Status,
    Verdict,
)
from compliance.models.ruleset import Check, Requirement, Ruleset, Version
from compliance.phrases import Phrase, Template, join, sentence, text, word
from compliance.program import MISSING, NOT_EXPIRED, NOT_FUTURE, OFFERED, Answer
from compliance.vocab import HS_PREFIXES

UNMET: frozenset[str] = frozenset({"missing", "invalid", "failed"})
_TRIAL_RANK = {"satisfied": 2, "review": 1, "invalid": 0}

# The sentences a verdict can carry, by code (words are made when rendering).
EXPLAINED = Template("check-explained", "{explain}: {problem}")
ISSUED_AFTER = Template("document-issued-after-as-of", N_("issued {issued}, after the as-of date {day}"))
EXPIRED = Template("document-expired", N_("expired on {day}"))
ITEM_LACKS = Template(
    "item-field-unstated",
    N_(
        "the item does not state its {fields}, which decides whether this document counts: a person must decide"
    ),
)
RULE_OPEN = Template("rule-leaves-open", N_("the rule's text leaves this case open"))
VERIFIER_NAME = Template(
    "verifier-name-differs",
    N_(
        "{document}: the verifier is named '{name}', but the registry lists accreditation {id} under '{listed}'"
    ),
)
CUSTOMS_MAY_ASK = Template("accreditation-note", N_("{document}: {note}; customs may ask about it"))
NATIONAL_BODY = Template(
    "accreditation-not-national-body",
    N_(
        "{document}: accreditation {id} was granted by {body}, not by {national}, the national "
        "accreditation body of {country}; with no mutual recognition of verifiers yet, customs may "
        "ask whether the verifier is recognised there"
    ),
)
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
HS_MISMATCH = Template(
    "hs-classification",
    N_(
        "classification inconsistent: HS {code} is not a heading for {type} (usual: {usual}); "
        "check the declared type and code with the broker"
    ),
)
OPEN_QUESTION = Template("rule-open-question", N_("{message}; but {question}. A person must decide."))
REGISTRY_STALE = Template(
    "registry-stale",
    N_(
        "the accreditation registry {registry} was published {day}; this rule's registry is renewed "
        "every {months} months, so check the current one"
    ),
)
REGISTRY_UNDATED = Template(
    "registry-undated",
    N_("the accreditation registry {registry} states no publication date: check that it is the current one"),
)
NOT_COVERED = Template(
    "destination-not-covered",
    N_(
        "no ruleset covers imports into {country}: this answer says nothing about its import rules; "
        "check that country's requirements with a broker there"
    ),
)


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


def check_problem(check: Check, df: DocumentFacts, facts: ItemFacts) -> Phrase:
    """Why a check failed for a document, in terms a broker can act on."""
    problem = kind_of(check).problem(check, df, facts)
    return EXPLAINED(explain=text(check.explain), problem=problem) if check.explain is not None else problem


def _trial(
    req: Requirement, key: str, df: DocumentFacts, answers: frozenset[Answer], facts: ItemFacts
) -> DocumentTrial:
    d = df.doc
    got = {a.kind for a in answers if a.key == key and a.document == d.id}
    problems: list[Phrase] = []
    if NOT_FUTURE not in got:
        assert d.issued is not None
        problems.append(ISSUED_AFTER(issued=d.issued.isoformat(), day=facts.as_of.isoformat()))
    if NOT_EXPIRED not in got:
        assert d.valid_until is not None
        problems.append(EXPIRED(day=d.valid_until.isoformat()))
    problems.extend(df.own_problems)
    # A check on an item field that the item does not state (Decision 18: the country of manufacture
    # decides whether a manufacturer's certificate counts) leaves the document to a person.
    undecided: list[str] = []
    for j, check in enumerate(req.checks):
        if f"c{j}" not in got:
            if _item_lacks(check, req, facts):
                undecided.extend(f for f in check.item_one_of or {} if not getattr(facts.item, f))
            else:
                problems.append(check_problem(check, df, facts))
    if problems:
        return DocumentTrial(document=d.id, document_type=d.type.value, status="invalid", problems=problems)
    if undecided:
        reason = ITEM_LACKS(fields=", ".join(dict.fromkeys(f.replace("_", " ") for f in undecided)))
        return DocumentTrial(document=d.id, document_type=d.type.value, status="review", problems=[reason])
    if any(f"r{k}" in got for k in range(len(req.review_when))):
        reason = text(req.review_reason) if req.review_reason else RULE_OPEN()
        return DocumentTrial(document=d.id, document_type=d.type.value, status="review", problems=[reason])
    return DocumentTrial(document=d.id, document_type=d.type.value, status="satisfied")


def _item_lacks(check: Check, req: Requirement, facts: ItemFacts) -> bool:
    fields = list(check.item_one_of or {})
    return bool(fields) and all(f in req.review_if_item_lacks and not getattr(facts.item, f) for f in fields)


def _warnings(
    req: Requirement, key: str, df: DocumentFacts, answers: frozenset[Answer], destination: str
) -> list[Phrase]:
    """Notes on the deciding document that change no verdict."""
    used = {a.accreditation for a in answers if a.key == key and a.document == df.doc.id and a.accreditation}
    out: list[Phrase] = []
    name = df.doc.verifier.name if df.doc.verifier else None
    for acc in df.accreditations:
        if acc.id not in used:
            continue
        if name and acc.verifier and name.strip().casefold() != acc.verifier.strip().casefold():
            out.append(VERIFIER_NAME(document=df.doc.id, name=name, id=acc.id, listed=acc.verifier))
        if acc.lapsed_since_issue:
            out.append(CUSTOMS_MAY_ASK(document=df.doc.id, note=acc.lapsed_since_issue))
    out.extend(_national_body_warnings(req, key, df, answers, destination))
    return out


def _national_body_warnings(
    req: Requirement, key: str, df: DocumentFacts, answers: frozenset[Answer], destination: str
) -> list[Phrase]:
    """An accreditation that satisfies the check but is not from the destination's own national
    body: no mutual recognition of verifiers yet, so customs may ask (a warning, not a failure)."""
    out: list[Phrase] = []
    for j, check in enumerate(req.checks):
        spec = check.accreditation
        if spec is None or not spec.national_bodies or destination not in spec.national_bodies:
            continue
        national = spec.national_bodies[destination]
        used = {
            a.accreditation for a in answers if a.key == key and a.kind == f"c{j}" and a.document == df.doc.id
        }
        accs = [acc for acc in df.accreditations if acc.id in used]
        wanted = {b.strip().casefold() for b in national}
        if accs and not any((acc.body or "").strip().casefold() in wanted for acc in accs):
            out.append(
                NATIONAL_BODY(
                    document=df.doc.id,
                    id=accs[0].id,
                    body=accs[0].body or "",
                    national=or_words(list(national)),
                    country=destination,
                )
            )
    return out


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
    facts = ctx.facts
    severity: Severity = req.severity
    unstated: Phrase | None = None
    if ctx.version.tender_severity is not None:
        ts = ctx.version.tender_severity
        criterion = ctx.shipment.tender.carbon_criterion if ctx.shipment.tender else None
        if criterion is None:
            severity = "blocking"
            unstated = text(ts.unstated_reason)
        else:
            severity = getattr(ts, criterion)
    action = sentence(text(req.action))
    trials: list[DocumentTrial] = []
    warnings: list[Phrase] = []
    status: Status
    message: Phrase
    if req.item_checks:
        unmet = [ic for j, ic in enumerate(req.item_checks) if Answer(key, f"i{j}") not in answers]
        # The strictest unmet check decides: a failed limit outranks a band left to a person.
        failed = [ic for ic in unmet if ic.unmet == "failed"] or unmet
        if failed:
            status = failed[0].unmet
            limit = min(ic.calendar_age_at_most for ic in failed)
            explain = failed[0].explain
            message = AGE_OVER(
                age=facts.calendar_age,
                year=facts.as_of.year,
                made=_year(facts),
                limit=limit,
                action=WITH_EXPLANATION(explain=sentence(text(explain)), action=action)
                if explain
                else action,
            )
        else:
            status = "satisfied"
            message = AGE_WITHIN(age=facts.calendar_age)
    else:
        docs = [df for df in facts.documents if df.doc.type in req.documents]
        if Answer(key, MISSING) in answers:
            status = "missing"
            labels = or_words([word("document_type", t.value, english="spaced") for t in req.documents])
            message = NO_DOCUMENT(documents=labels, action=action)
        else:
            offered = {a.document for a in answers if a.key == key and a.kind == OFFERED}
            trials = [_trial(req, key, df, answers, facts) for df in docs if df.doc.id in offered]
            best = max(trials, key=lambda t: _TRIAL_RANK[t.status])
            status = best.status
            if best.status == "satisfied":
                message = SATISFIED_BY(document=best.document)
            elif best.status == "review":
                message = PERSON_DECIDES(document=best.document, problems=join(best.problems, "; "))
            else:
                message = ALL_INVALID(
                    trials=join(
                        [
                            DOCUMENT_PROBLEMS(document=t.document, problems=join(t.problems, "; "))
                            for t in trials
                        ],
                        " ",
                    ),
                    action=action,
                )
            if best.status != "invalid":
                deciding = next(df for df in docs if df.doc.id == best.document)
                warnings = _warnings(req, key, deciding, answers, ctx.shipment.destination)
            warnings = [*warnings, *_registry_age(ctx, req)]
        if status == "satisfied" and req.open_question is not None:
            status = "review"
            message = OPEN_QUESTION(message=message, question=text(req.open_question))
    if status in UNMET and unstated is not None:
        status = "review"
        message = WITH_NOTE(message=message, note=unstated)
    return RequirementFinding(status, message, severity, action, trials, warnings)


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


def _registry_age(ctx: Context, req: Requirement) -> list[Phrase]:
    """A requirement judged on accreditations rests on the registry: where the ruleset says how often
    that registry is renewed, each file older than that (or stating no date) is named."""
    months = ctx.ruleset.registry_renewed_months
    if months is None or ctx.registry is None or not any(c.accreditation for c in req.checks):
        return []
    out: list[Phrase] = []
    for source, published in ctx.registry.stale_on(ctx.facts.as_of, months):
        name = PurePath(source).name
        if published is None:
            out.append(REGISTRY_UNDATED(registry=name))
        else:
            out.append(REGISTRY_STALE(registry=name, day=published.isoformat(), months=months))
    return out


def _year(facts: ItemFacts) -> int:
    made = facts.item.manufactured
    return made if isinstance(made, int) else made.year


def ruleset_verdict(requirements: list[RequirementResult], uncertain: bool) -> Verdict:
    blocking = [r for r in requirements if r.severity == "blocking"]
    if any(r.status in UNMET for r in blocking):
        return "hold"
    if uncertain or any(r.status == "review" for r in blocking):
        return "review"
    return "clear"


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


def hs_finding(facts: ItemFacts) -> list[Finding]:
    """The item-level HS heading / machine type consistency check."""
    if facts.hs_fits_type is not False:
        return []
    item = facts.item
    usual = ", ".join(p[:4] + "." + p[4:] if len(p) > 4 else p for p in HS_PREFIXES[item.machine_type])
    return [
        Finding(
            id="hs-classification",
            status="review",
            severity="blocking",
            message=HS_MISMATCH(
                code=item.hs_code or "", type=word("machine_type", item.machine_type.value), usual=usual
            ),
            citation=HS_CITATION,
        )
    ]


HS_CITATION = (
    "Harmonized Commodity Description and Coding System (World Customs Organization), headings 84.56 to 84.65: "
    "machine tools, by kind of machine"
)


def destination_finding(destination: str) -> Finding:
    """No ruleset in use covers the destination: never a silent clear."""
    return Finding(
        id="destination-not-covered",
        status="review",
        severity="blocking",
        message=NOT_COVERED(country=destination),
        citation=None,
    )


def finding_verdict(findings: list[Finding]) -> list[Verdict]:
    out: list[Verdict] = []
    for f in findings:
        if f.severity != "blocking":
            continue
        level: Literal["hold", "review", "clear"] = (
            "hold" if f.status in UNMET else "review" if f.status == "review" else "clear"
        )
        out.append(level)
    return out
