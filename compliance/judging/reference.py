"""An independent plain-Python reading of the same rulesets, answer for answer.

It shares nothing with the engine adapter but the program and the facts, and it serves twice: the
differential tests compare the durable-rules answers with these on generated manifests, and ``explain``
uses it to show each condition with the values it saw.
"""

from __future__ import annotations

from compliance.judging.checks import applies_to, kind_of
from compliance.judging.facts import DocumentFacts, ItemFacts
from compliance.judging.program import MISSING, NOT_EXPIRED, NOT_FUTURE, OFFERED, SENTINEL, Answer, Program
from compliance.models.ruleset import Check, ItemCheck


def check_holds(check: Check, doc: DocumentFacts, facts: ItemFacts) -> bool:
    """Whether one check holds for one document (a check limited to other document types holds)."""
    return not applies_to(check, doc.doc.type.value) or bool(kind_of(check).witnesses(check, doc, facts))


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
                        if not applies_to(check, d.type.value):
                            out.add(Answer(key, kind, d.id))
                            continue
                        # One answer per witness: the document itself, or each accreditation that holds.
                        for witness in kind_of(check).witnesses(check, df, facts):
                            out.add(Answer(key, kind, d.id, witness))
        return frozenset(out)
