"""`compliance explain`: every fact derived for one item, every condition with the values it saw, what
the rule engine answered for it in the run, and how the verdict follows (a trace, after OpenFisca's).

The met / NOT met of each condition is the engine's own answer, recorded as the check ran (not a
second evaluation): explain shows what the verdict actually rests on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from compliance.api import Evaluator, check, default_evaluator
from compliance.judging.applicability import applicability, open_reason
from compliance.judging.checks import kind_of
from compliance.judging.checks.base import flow
from compliance.judging.facts import DocumentFacts, ItemFacts, derive
from compliance.judging.program import (
    MISSING,
    NOT_EXPIRED,
    NOT_FUTURE,
    OFFERED,
    Answer,
    Program,
    requirement_key,
)
from compliance.models.decisions import Decision
from compliance.models.manifest import Manifest
from compliance.models.registry import Registry
from compliance.models.report import Report, RequirementResult
from compliance.models.ruleset import Check, Requirement, Ruleset
from compliance.render.words import words


class Recorder:
    """Passes each evaluation to the engine and keeps its answers, per item and day."""

    def __init__(self, inner: Evaluator) -> None:
        self.inner = inner
        self.answers: dict[tuple[str, dt.date], frozenset[Answer]] = {}

    def evaluate(self, program: Program, facts: ItemFacts) -> frozenset[Answer]:
        got = self.inner.evaluate(program, facts)
        self.answers[(facts.item.id, facts.as_of)] = got
        return got


def _en(value: object) -> str:
    return words(value, "en").strip()


def _values(check: Check, df: DocumentFacts, facts: ItemFacts) -> str:
    return kind_of(check).seen(check, df, facts)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _met(value: bool) -> str:
    return "met" if value else "NOT met"


def explain(
    manifest: Manifest,
    rulesets: list[Ruleset],
    registry: Registry,
    item_id: str,
    *,
    as_of: dt.date | None = None,
    evaluator: Evaluator | None = None,
    decisions: Sequence[Decision] = (),
) -> str:
    """A readable trace for one item."""
    day = as_of or manifest.shipment.arrival_date
    facts = next(f for f in derive(manifest, registry, day).items if f.item.id == item_id)
    recorder = Recorder(evaluator or default_evaluator())
    report: Report = check(
        manifest, rulesets, registry, as_of=day, with_upcoming=False, evaluator=recorder, decisions=decisions
    )
    result = next(i for i in report.items if i.item_id == item_id)
    answers = recorder.answers.get((item_id, day), frozenset())
    out = _facts_lines(manifest, facts, day)
    out += [f"  finding {f.id}: {f.status} ({_en(f.message)})" for f in result.findings]
    for rs_result, rs in zip(result.rulesets, rulesets, strict=True):
        out += ["", f"Ruleset {rs.id} version {rs_result.version}:"]
        version = rs.version_on(day)
        if version is None or not rs_result.applies:
            out.append(f"  does not apply: {_en(rs_result.reason)}")
            continue
        # The scope as judged (a route another ruleset gives is in the result's reason).
        app = applicability(rs, version, manifest.shipment, facts)
        open_ = rs_result.reason if rs_result.reason is not None else open_reason(app)
        out.append(f"  applies{f' (open: {_en(open_)})' if open_ else ''}")
        for req, req_result in zip(version.requirements, rs_result.requirements, strict=True):
            mine = [a for a in answers if a.key == requirement_key(rs, version, req)]
            out += _requirement_lines(req, req_result, mine, facts, day)
        out.append(
            f"  verdict {rs_result.verdict}: hold if a blocking requirement is missing, invalid or failed; review if one is review or applicability is uncertain; else clear"
        )
    out += ["", f"Item verdict: {result.verdict} (the worst of the rulesets that apply and the findings)"]
    return "\n".join(out) + "\n"


def _facts_lines(manifest: Manifest, facts: ItemFacts, day: dt.date) -> list[str]:
    """What was derived for the item: its machine, age, HS code, documents and their accreditations."""
    item = facts.item
    out = [
        f"Item {item.id} of shipment {manifest.shipment.id} to {manifest.shipment.destination}, judged as of {day}",
        "",
        "Facts:",
        f"  machine type {item.machine_type.value}, condition {item.condition.value} (counts as used: {_yes(item.is_used)}), procedure {item.customs_procedure.value}",
        f"  manufactured {item.manufactured}: age {facts.age_min}..{facts.age_max} years; over-N test uses {facts.years_min}..{facts.years_max} completed years strictly before {day}; calendar age {facts.calendar_age} ({day.year} - year of manufacture)",
        f"  HS code {item.hs_code or '-'}: fits the type: {_yes(facts.hs_fits_type) if facts.hs_fits_type is not None else 'not declared'}; country of manufacture {item.country_of_manufacture or 'not stated'}",
    ]
    covering = [
        f"{d.doc.id} ({d.doc.type.value}, issued {d.doc.issued}, valid until {d.doc.valid_until or '-'})"
        for d in facts.documents
    ]
    out.append(f"  documents covering it: {', '.join(covering) or 'none'}")
    for d in facts.documents:
        for a in d.accreditations:
            if not a.found:
                out.append(f"  accreditation {a.id} on {d.doc.id}: not in the registry")
                continue
            status = "supports it on the issue date" if a.valid_on_issue else f"does not: {_en(a.problem)}"
            lapse = f"; {_en(a.lapsed_since_issue)}" if a.lapsed_since_issue else ""
            out.append(
                f"  accreditation {a.id} on {d.doc.id}: body {a.body}, verifier {a.verifier}, scopes {flow(list(a.scopes))}, {a.valid_from}..{a.valid_until}, status {a.status}: {status}{lapse}"
            )
    return out


def _requirement_lines(
    req: Requirement, req_result: RequirementResult, mine: list[Answer], facts: ItemFacts, day: dt.date
) -> list[str]:
    """One requirement: the engine's answer to each of its rules, and the result they make."""

    def said(kind: str, document: str | None = None) -> bool:
        return any(a.kind == kind and a.document == document for a in mine)

    out = [f"  requirement {req.id} ({req_result.severity}): {req_result.status.upper()}"]
    for j, ic in enumerate(req.item_checks):
        out.append(
            f"    item check {j}: calendar age {facts.calendar_age} <= {ic.calendar_age_at_most}: {_met(said(f'i{j}'))}"
        )
    if req.documents and said(MISSING):
        out.append(
            f"    no document of type {', '.join(t.value for t in req.documents)} covers the item (engine: missing)"
        )
    for d in facts.documents:
        if d.doc.type not in req.documents or not said(OFFERED, d.doc.id):
            continue
        out.append(f"    {d.doc.id}:")
        out.append(f"      issued {d.doc.issued} on or before {day}: {_met(said(NOT_FUTURE, d.doc.id))}")
        out.append(
            f"      valid until {d.doc.valid_until or '-'} on {day}: {_met(said(NOT_EXPIRED, d.doc.id))}"
        )
        for label, prefix, checks in (("check", "c", req.checks), ("review if", "r", req.review_when)):
            for j, c in enumerate(checks):
                if c.for_types is None or d.doc.type in c.for_types:
                    out.append(
                        f"      {label} {c.kind}: {_met(said(f'{prefix}{j}', d.doc.id))} ({_values(c, d, facts)})"
                    )
    if req_result.decision is not None:
        dec = req_result.decision
        out.append(f"    decision {dec.id} ({dec.outcome}, until {dec.expires}) settles the review")
    out.append(f"    -> {_en(req_result.message)}")
    return out
