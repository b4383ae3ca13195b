"""An independent plain-Python reading of the same rulesets, answer for answer.

It shares nothing with the engine adapter but the program and the facts, and it serves twice: the
differential tests compare the durable-rules answers with these on generated manifests, and ``explain``
uses it to show each condition with the values it saw.
"""

from __future__ import annotations

from typing import Any

from compliance.facts import AccreditationLookup, DocumentFacts, ItemFacts
from compliance.models.ruleset import Check, ItemCheck
from compliance.program import MISSING, NOT_EXPIRED, NOT_FUTURE, OFFERED, SENTINEL, Answer, Program
from compliance.vocab import normalise_values


def _norm(field: str, values: list[Any]) -> set[str]:
    return set(normalise_values(field, values))


def _present(value: Any) -> bool:
    return value not in (None, "", [])


def accreditation_matches(check: Check, doc: DocumentFacts, acc: AccreditationLookup) -> bool:
    spec = check.accreditation
    assert spec is not None
    if not acc.found or not acc.valid_on_issue:
        return False
    if spec.bodies is not None and (acc.body or "").strip().casefold() not in {
        b.strip().casefold() for b in spec.bodies
    }:
        return False
    if not set(spec.scopes) <= set(acc.scopes):
        return False
    return not (spec.scopes_any and not set(spec.scopes_any) & set(acc.scopes))


def check_holds(check: Check, doc: DocumentFacts, facts: ItemFacts) -> bool:
    """Whether one check holds for one document (accreditation checks: for some accreditation)."""
    d = doc.doc
    if check.for_types is not None and d.type not in check.for_types:
        return True
    kind = check.kind
    if kind in ("standards", "stages", "ghg_scopes", "capabilities", "languages"):
        return _norm(kind, list(getattr(check, kind))) <= _norm(kind, list(getattr(d, kind)))
    if kind == "equals":
        assert check.equals is not None
        return all(getattr(d, f) == v and type(getattr(d, f)) is type(v) for f, v in check.equals.items())
    if kind == "one_of":
        assert check.one_of is not None
        return all(getattr(d, f) in vs for f, vs in check.one_of.items())
    if kind == "present":
        assert check.present is not None
        return all(_present(getattr(d, f)) for f in check.present)
    if kind == "greater_than":
        assert check.greater_than is not None
        return all(getattr(d, f) is not None and getattr(d, f) > v for f, v in check.greater_than.items())
    if kind == "absent":
        assert check.absent is not None
        return not any(_present(getattr(d, f)) for f in check.absent)
    if kind == "item_one_of":
        assert check.item_one_of is not None
        return all(getattr(facts.item, f) in vs for f, vs in check.item_one_of.items())
    if kind == "accreditation":
        return d.issued is not None and any(accreditation_matches(check, doc, a) for a in doc.accreditations)
    raise AssertionError(f"unknown check kind {kind}")


def item_check_holds(check: ItemCheck, facts: ItemFacts) -> bool:
    assert check.calendar_age_at_most is not None
    return facts.calendar_age <= check.calendar_age_at_most


class ReferenceEvaluator:
    """Computes the answers of a program for one item in plain Python."""

    def evaluate(self, program: Program, facts: ItemFacts) -> frozenset[Answer]:
        out: set[Answer] = {Answer(SENTINEL, SENTINEL)}
        for key, req in program.requirements():
            for j, ic in enumerate(req.item_checks):
                if item_check_holds(ic, facts):
                    out.add(Answer(key, f"i{j}"))
            if not req.documents:
                continue
            docs = [d for d in facts.documents if d.doc.type in req.documents]
            if not docs:
                out.add(Answer(key, MISSING))
            for df in docs:
                d = df.doc
                out.add(Answer(key, OFFERED, d.id))
                if d.issued is None or d.issued <= facts.as_of:
                    out.add(Answer(key, NOT_FUTURE, d.id))
                if d.valid_until is None or d.valid_until >= facts.as_of:
                    out.add(Answer(key, NOT_EXPIRED, d.id))
                for prefix, checks in (("c", req.checks), ("r", req.review_when)):
                    for j, check in enumerate(checks):
                        kind = f"{prefix}{j}"
                        limited = check.for_types is None or d.type in check.for_types
                        if check.accreditation is not None and limited:
                            for acc in df.accreditations:
                                if d.issued is not None and accreditation_matches(check, df, acc):
                                    out.add(Answer(key, kind, d.id, acc.id))
                        elif check_holds(check, df, facts):
                            out.add(Answer(key, kind, d.id))
        return frozenset(out)
