"""Judging an inventory row by its parts: each part judged once per run, rows joined from parts.

A one-item ``check`` per row costs a report per machine; a dealer's stock has few repeated machines
(each its own manufacture day, a fifth of its documents specific to one serial number), so caching
whole rows does not help. But a row's cells are made of parts that repeat a great deal:

- **whether a ruleset applies** to the machine: its type, condition, procedure, HS code, the
  destination and day, and the *answer* to the scope's age question (over N years: yes, no, or a bare
  year that cannot settle it), not the machine's exact age;
- **each requirement's result**: for a document requirement, the machine's fields that checks may
  read (``ITEM_FIELDS``), the day and the documents of the requirement's types, by their *content*;
  for an age requirement, the calendar age and the year of manufacture;
- **item findings**: the HS code against the machine type, and whether any ruleset covers the
  destination.

Each part is judged by the same functions a ``check`` uses (`applicability`, `requirement_result`,
`hs_finding`), on the facts of the first row that needs it, and the rule engine answers each
(documents, requirement, day) once. Document ids do vary between rows whose documents are alike (a
machine's own inspection certificate), and they appear in sentences ("OWN-17: expired on ..."): a
part is judged with stand-in ids and each row's own ids are put in its words.

What makes this exact, and is checked where it can be:

- The engine's rules for a requirement match only documents of its types and read the item only
  through the as-of day, ``ITEM_FIELDS`` and (age rules only) the calendar age: checked on the
  compiled rules when a part judge is made (`compiler.item_reads_of_document_rules`).
- Nothing judged reads the manufacture date except through the derived ages (`facts.item_facts`).
- The tests judge random stocks on days from 2019 to 2031 both ways and compare every cell
  (`tests/test_inventory_parts.py`); the benchmark compares the two on 2,000 machines of its stock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from compliance.api import Evaluator
from compliance.inventory.cells import en, finding_cell, missing_cell, reason_cell, requirement_cell
from compliance.inventory.plan import Plan, dated_on, plan_on
from compliance.judging.applicability import Applicability, applicability, covers_destination, open_reason
from compliance.judging.facts import DocumentFacts, ItemFacts, document_facts, item_facts
from compliance.judging.findings import destination_finding, finding_verdict, hs_finding
from compliance.judging.obtain import missing_document, needs_document
from compliance.judging.program import (
    Answer,
    Program,
    requirement_key,
    verify,
)
from compliance.judging.verdicts import (
    Context,
    RequirementFinding,
    requirement_finding,
    requirement_verdict,
    settled_result,
)
from compliance.language.phrases import Phrase
from compliance.models.manifest import Document, Item, Shipment
from compliance.models.registry import Registry
from compliance.models.report import RequirementResult, Verdict
from compliance.models.ruleset import Requirement, Ruleset, Version

if TYPE_CHECKING:
    from pydantic.main import IncEx

#: Parts kept per process (a requirement's finding and its words, about 3 kB each: at most about
#: 250 MiB), then judged afresh. A dealer's stock of 100,000 machines needs some 5,000 per process for
#: one day and 50,000 for twelve: fewer kept, a run over a year judges its parts again and again.
PARTS_KEPT = 80_000


#: What a document's class leaves out: its id (a row's own ids are put in its words), and the
#: verifier's name, which no rule reads (the engine is given the accreditations, not the name) and
#: which only words a warning (the name differs from the registry's listing): a row's cells show no
#: warnings (`cells.requirement_cell`). A dealer's carbon reports differ mostly in their verifiers'
#: names: left in, they made a stock's judged parts seven times as many.
_NOT_IN_CLASS: dict[str, IncEx | bool] = {"id": True, "verifier": {"name"}}


def _digest(doc: Document) -> bytes:
    """A document's content but what its cells never read (`_NOT_IN_CLASS`), as a SHA-256 digest:
    equal digests, documents alike in all that a row's cells read. Two equal contents written
    differently (a mapping's keys in another order) only make two classes, each judged exactly."""
    return hashlib.sha256(doc.model_dump_json(exclude=_NOT_IN_CLASS).encode()).digest()


@dataclass(frozen=True)
class _Requirement:
    """One requirement judged: its result, and its cells with stand-in document ids."""

    result: RequirementResult
    #: What it makes of its ruleset's verdict (`verdicts.requirement_verdict`).
    verdict: Verdict
    cell: str | None
    missing: str | None
    #: Stand-in ids (positions among the requirement's documents) that appear in ``cell``.
    positions: tuple[int, ...]
    #: What it says (its verdict and cells) as a number: parts with one number say the same.
    value: int


@dataclass(frozen=True)
class Scope:
    """Whether a ruleset version applies to a machine at a destination on a day."""

    #: The requirements' keys name the scope by this number: one per ruleset, destination, day and
    #: open question.
    n: int
    #: The number of the same scope without an open question: what a requirement's finding is keyed
    #: by (an open question only changes what follows it, `settled_result`).
    base: int
    applies: bool
    uncertain: Phrase | None
    cell: str | None
    #: The scope's open questions, uncertain or not: the ruleset is at least review.
    open: bool = False


class Parts:
    """Judges rows by parts, remembering each part for the run (one instance per process)."""

    def __init__(
        self,
        rulesets: list[Ruleset],
        registry: Registry,
        evaluator: Evaluator,
        shipment: Callable[[str, dt.date], Shipment],
    ) -> None:
        self.rulesets = rulesets
        self.registry = registry
        self.evaluator = evaluator
        self._shipment = shipment
        # Documents alike in all but their id are one class: judged once, each row naming its own id.
        # (by a digest of the content, not the content itself: a million-row stock has 200,000 documents;
        # each found when a row first names the document, in the worker that judges the row)
        self._digests: dict[bytes, int] = {}
        self.classes: dict[str, int] = {}
        # Stand-in ids: never a real id (a random part), ended by a character no id continues with.
        self._nonce = secrets.token_hex(4)
        self._stand_ins: list[str] = []
        self.plans: dict[dt.date, Plan] = {}
        self.scopes: dict[tuple[object, ...], Scope] = {}
        self.requirements: dict[tuple[object, ...], _Requirement] = {}
        #: What parts say (verdict, cell, missing), numbered (`_Requirement.value`).
        self.values: dict[tuple[object, ...], int] = {}
        self._values_given = 0
        self.found: dict[tuple[object, ...], RequirementFinding] = {}
        self.answers: dict[tuple[object, ...], frozenset[Answer]] = {}
        self.findings: dict[tuple[object, ...], tuple[list[Verdict], list[str]]] = {}
        self.doc_facts: dict[tuple[int, int, dt.date], DocumentFacts] = {}
        self.contexts: dict[tuple[object, ...], int] = {}
        self.alone: dict[str, Program] = {}
        self.covered: dict[str, bool] = {}
        #: Parts judged (for the benchmark's count of distinct cases).
        self.judged = 0
        self._last_facts: tuple[Item, dt.date, ItemFacts] | None = None

    def _class(self, doc: Document) -> int:
        found = self.classes.get(doc.id)
        if found is None:
            found = self.classes[doc.id] = self._digests.setdefault(_digest(doc), len(self._digests))
        return found

    def stand_in(self, position: int) -> str:
        stand_ins = self._stand_ins
        while len(stand_ins) <= position:
            stand_ins.append(f"~{self._nonce}.{len(stand_ins)}~")
        return stand_ins[position]

    # -----------------------------------------------------------------------------------------

    def _plan(self, day: dt.date) -> Plan:
        plan = self.plans.get(day)
        if plan is None:
            plan = self.plans[day] = plan_on(self.rulesets, day)
        return plan

    def _findings(self, item: Item, day: dt.date, destination: str) -> tuple[list[Verdict], list[str]]:
        key = (item.machine_type, item.hs_code, destination)
        found = self.findings.get(key)
        if found is None:
            if destination not in self.covered:
                shipment = self._shipment(destination, day)
                self.covered[destination] = any(covers_destination(rs, shipment) for rs in self.rulesets)
            findings = hs_finding(item_facts(item, (), day))
            if not self.covered[destination]:
                findings.append(destination_finding(destination))
            found = self.findings[key] = (finding_verdict(findings), [finding_cell(f) for f in findings])
        return found

    def _scope(
        self, index: int, ruleset: Ruleset, version: Version, shipment: Shipment, item: Item,
        ages: ItemFacts, machine: tuple[object, ...], age: object,
    ) -> Scope:  # fmt: skip
        key = (index, machine, age)
        found = self.scopes.get(key)
        if found is None:
            app: Applicability = applicability(ruleset, version, shipment, item_facts(item, (), ages.as_of))
            reason = open_reason(app)
            cell = reason_cell(ruleset.id, reason) if app.applies and reason else None
            # Requirements read the scope only through its open question (and the ruleset and day):
            # scopes alike in these share their requirements' parts. Not the destination: a finding
            # reads it only for a warning (a verifier accredited by another country's national body),
            # and a row's cells show no warnings (`cells.requirement_cell`).
            context = (index, ages.as_of, app.uncertain)
            n = self.contexts.setdefault(context, len(self.contexts))
            base = self.contexts.setdefault((*context[:2], None), len(self.contexts))
            found = self.scopes[key] = Scope(n, base, app.applies, app.uncertain, cell, reason is not None)
        return found

    def _new_part(
        self, ruleset: Ruleset, version: Version, req: Requirement, shipment: Shipment, item: Item,
        own: list[Document], scope: Scope, plan: Plan, key: tuple[object, ...],
    ) -> _Requirement:  # fmt: skip
        """A requirement judged for the first time on what ``key`` names (its index and tail)."""
        if len(self.requirements) >= PARTS_KEPT:  # (a run over many days has many)
            self.requirements.clear()
        part = self.requirements[(scope.n, *key)] = self._judge_requirement(
            ruleset, version, req, shipment, item, own, scope, plan, key
        )
        return part

    def _judge_requirement(
        self,
        ruleset: Ruleset,
        version: Version,
        req: Requirement,
        shipment: Shipment,
        item: Item,
        own: list[Document],
        scope: Scope,
        plan: Plan,
        key: tuple[object, ...],
    ) -> _Requirement:
        """``key``: the requirement's index and what it is judged on besides the scope."""
        day = shipment.arrival_date
        facts = self._item_facts(item, day)
        stand_ins = tuple(self._doc_facts(self._class(d), d, i, day) for i, d in enumerate(own))
        shown = facts if req.item_checks else replace(facts, documents=stand_ins)
        ctx = Context(
            ruleset, version, shipment, shown, f"{ruleset.id}@{version.version}", registry=self.registry
        )
        found = self.found.get((scope.base, *key))
        if found is None:
            if len(self.found) >= PARTS_KEPT:
                self.found.clear()
            self.judged += 1
            if req.item_checks:
                answers = self._answers((day, "age", facts.calendar_age), plan.program, facts)
            else:
                answers = self._document_answers(ruleset, version, req, item, shown, own, plan)
            found = self.found[(scope.base, *key)] = requirement_finding(ctx, req, answers)
        result = settled_result(ctx, req, found, Applicability(True, uncertain=scope.uncertain))
        cell = requirement_cell(ruleset.id, result)
        missing = (
            missing_cell(missing_document(item.id, ruleset.id, result)) if needs_document(result) else None
        )
        positions = tuple(i for i in range(len(own)) if cell and self.stand_in(i) in cell)
        verdict = requirement_verdict(result)
        return _Requirement(result, verdict, cell, missing, positions, self._value((verdict, cell, missing)))

    def _value(self, says: tuple[object, ...]) -> int:
        """The number of what a part says. Numbers are never given twice, even once the table is
        forgotten (a joined row is keyed by its parts' numbers)."""
        found = self.values.get(says)
        if found is None:
            if len(self.values) >= PARTS_KEPT:
                self.values.clear()
            found = self.values[says] = self._values_given
            self._values_given += 1
        return found

    def _item_facts(self, item: Item, day: dt.date) -> ItemFacts:
        """The row's own facts (the requirements of one row judged in turn share them)."""
        last = self._last_facts
        if last is not None and last[0] is item and last[1] == day:
            return last[2]
        facts = item_facts(item, (), day)
        self._last_facts = (item, day, facts)
        return facts

    def _answers(self, key: tuple[object, ...], program: Program, facts: ItemFacts) -> frozenset[Answer]:
        found = self.answers.get(key)
        if found is None:
            found = self.answers[key] = self.evaluator.evaluate(program, facts)
        return found

    def _document_answers(
        self, ruleset: Ruleset, version: Version, req: Requirement, item: Item, shown: ItemFacts,
        own: list[Document], plan: Plan,
    ) -> frozenset[Answer]:  # fmt: skip
        """The engine's answers for one requirement and its documents, one document at a time.

        Every rule names at most one document (checked on the compiled rules), so the answers for
        several documents are those for each alone, less "none offered"; each document is judged
        once per run for all machines alike in the fields the rules read, by the requirement's own
        rules (the program of this one requirement: the other requirements' rules, which a whole
        day's program would also fire for the document, are not run). The joined answers are
        verified as the engine's own are."""
        key = requirement_key(ruleset, version, req)
        read = plan.reads[key]
        values = tuple(getattr(item, f) for f in read)
        bare = replace(shown, documents=())
        day = shown.as_of
        only = self.alone.get(key)
        if only is None:
            only = self.alone[key] = Program(((ruleset, version.model_copy(update={"requirements": [req]})),))
        # A day-free requirement's answers for a document are the same on every day with the same
        # outcome of "issued on or before the day" and "valid until the day or later" (the key names
        # the requirement's version).
        free = key in plan.day_free
        if not own:
            return self._answers((key, day if not free else None, values, None), only, bare)
        joined: set[Answer] = set()
        first = self.stand_in(0)
        for i, df in enumerate(shown.documents):
            doc = own[i]
            cls = self._class(doc)
            when = (dated_on(doc.issued, day, True), dated_on(doc.valid_until, day, False)) if free else day
            alone = self._answers(
                (key, when, values, cls), only, replace(bare, documents=(self._doc_facts(cls, doc, 0, day),))
            )
            doc_id = df.doc.id
            joined.update(
                # Made directly: `dataclasses.replace` cost four times as much, per answer.
                Answer(a.key, a.kind, doc_id, a.accreditation) if a.document == first else a
                for a in alone
            )
        return verify(only, shown, list(joined))

    def _doc_facts(self, cls: int, doc: Document, position: int, day: dt.date) -> DocumentFacts:
        key = (cls, position, day)
        found = self.doc_facts.get(key)
        if found is None:
            found = self.doc_facts[key] = document_facts(
                doc.model_copy(update={"id": self.stand_in(position)}), self.registry, day
            )
        return found

    # -----------------------------------------------------------------------------------------


__all__ = ["Parts", "en"]
