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
  compiled rules when a part judge is made (`engine.item_reads_of_document_rules`).
- Nothing judged reads the manufacture date except through the derived ages (`facts.item_facts`).
- The tests judge random stocks on days from 2019 to 2031 both ways and compare every cell
  (`tests/test_inventory_parts.py`); the benchmark compares the two on 2,000 machines of its stock.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, replace

from compliance.api import Evaluator
from compliance.applicability import Applicability, applicability, covers_destination
from compliance.facts import DocumentFacts, ItemFacts, document_facts, item_facts
from compliance.inventory.cells import en, finding_cell, missing_cell, reason_cell, requirement_cell
from compliance.inventory.model import Outcome
from compliance.models.manifest import Document, Item, Shipment
from compliance.models.registry import Registry
from compliance.models.report import MissingDocument, RequirementResult, Verdict, worst
from compliance.models.ruleset import ITEM_FIELDS, Requirement, Ruleset, Version
from compliance.obtain import needs_document
from compliance.program import Answer, Program
from compliance.verdicts import (
    Context,
    destination_finding,
    finding_verdict,
    hs_finding,
    requirement_result,
    ruleset_verdict,
)

_FIELDS = tuple(sorted(ITEM_FIELDS))


@dataclass(frozen=True)
class _Plan:
    """The rulesets in force on a day, and the engine program that judges them."""

    versions: tuple[tuple[int, Ruleset, Version], ...]
    program: Program


@dataclass(frozen=True)
class _Requirement:
    """One requirement judged: its result, and its cells with stand-in document ids."""

    result: RequirementResult
    cell: str | None
    missing: str | None
    #: Stand-in ids (positions among the requirement's documents) that appear in ``cell``.
    positions: tuple[int, ...]


@dataclass(frozen=True)
class _Scope:
    applies: bool
    uncertain: object
    cell: str | None


class Parts:
    """Judges rows by parts, remembering each part for the run (one instance per process)."""

    def __init__(
        self,
        rulesets: list[Ruleset],
        registry: Registry,
        documents: dict[str, Document],
        evaluator: Evaluator,
        shipment: object,
    ) -> None:
        self.rulesets = rulesets
        self.registry = registry
        self.evaluator = evaluator
        self._shipment = shipment  # (destination, day) -> Shipment
        # Documents alike in all but their id are one class: judged once, each row naming its own id.
        classes: dict[str, int] = {}
        self.classes = {
            doc_id: classes.setdefault(json.dumps(d.model_dump(mode="json", exclude={"id"}), sort_keys=True), len(classes))
            for doc_id, d in documents.items()
        }  # fmt: skip
        self.documents = documents
        # Stand-in ids: never a real id (a random part), ended by a character no id continues with.
        self._nonce = secrets.token_hex(4)
        self.plans: dict[dt.date, _Plan] = {}
        self.scopes: dict[tuple[object, ...], _Scope] = {}
        self.requirements: dict[tuple[object, ...], _Requirement] = {}
        self.answers: dict[tuple[object, ...], frozenset[Answer]] = {}
        self.findings: dict[tuple[object, ...], tuple[list[Verdict], list[str]]] = {}
        self.doc_facts: dict[tuple[int, int, dt.date], DocumentFacts] = {}
        self.facts: dict[tuple[object, ...], ItemFacts] = {}
        self.covered: dict[str, bool] = {}
        #: Parts judged (for the benchmark's count of distinct cases).
        self.judged = 0

    def stand_in(self, position: int) -> str:
        return f"~{self._nonce}.{position}~"

    # -----------------------------------------------------------------------------------------

    def _plan(self, day: dt.date) -> _Plan:
        plan = self.plans.get(day)
        if plan is None:
            versions = tuple(
                (i, rs, v) for i, rs in enumerate(self.rulesets) if (v := rs.version_on(day)) is not None
            )
            program = Program(tuple((rs, v) for _, rs, v in versions))
            from compliance.engine import item_reads_of_document_rules

            extra = item_reads_of_document_rules(program) - {"kind", "as_of", *ITEM_FIELDS}
            if extra:
                raise AssertionError(f"document rules read item facts {sorted(extra)}: judge rows whole")
            plan = self.plans[day] = _Plan(versions, program)
        return plan

    def _item_facts(self, item: Item, day: dt.date) -> ItemFacts:
        """The row's facts with no documents (its ages on the day)."""
        return item_facts(item, (), day)

    def _findings(self, facts: ItemFacts, destination: str) -> tuple[list[Verdict], list[str]]:
        item = facts.item
        key = (item.machine_type, item.hs_code, destination)
        found = self.findings.get(key)
        if found is None:
            if destination not in self.covered:
                shipment = self._shipment(destination, facts.as_of)  # type: ignore[operator]
                self.covered[destination] = any(covers_destination(rs, shipment) for rs in self.rulesets)
            findings = hs_finding(facts)
            if not self.covered[destination]:
                findings.append(destination_finding(destination))
            found = self.findings[key] = (finding_verdict(findings), [finding_cell(f) for f in findings])
        return found

    def _scope(self, ruleset: Ruleset, version: Version, shipment: Shipment, facts: ItemFacts) -> _Scope:
        item = facts.item
        age: object = None
        if version.scope.age is not None:
            over = facts.over_years(version.scope.age.over_years)
            # A bare year that cannot settle the question is said with its year and age range.
            age = (over, (item.manufactured, facts.age_min, facts.age_max) if over is None else None)
        key = (ruleset.id, version.version, shipment.destination, facts.as_of, item.machine_type,
               item.condition, item.customs_procedure, item.hs_code, age)  # fmt: skip
        found = self.scopes.get(key)
        if found is None:
            app: Applicability = applicability(ruleset, version, shipment, facts)
            cell = reason_cell(ruleset.id, app.uncertain) if app.applies and app.uncertain else None
            found = self.scopes[key] = _Scope(app.applies, app.uncertain, cell)
        return found

    def _requirement(
        self,
        ruleset: Ruleset,
        version: Version,
        req: Requirement,
        shipment: Shipment,
        facts: ItemFacts,
        docs: list[Document],
        scope: _Scope,
        plan: _Plan,
    ) -> tuple[_Requirement, list[Document]]:
        item = facts.item
        fields = tuple(getattr(item, f) for f in _FIELDS)
        if req.item_checks:
            own: list[Document] = []
            what: tuple[object, ...] = (
                facts.calendar_age,
                facts.item.manufactured if isinstance(item.manufactured, int) else item.manufactured.year,
            )
        else:
            own = [d for d in docs if d.type in req.documents]
            what = tuple(self.classes[d.id] for d in own)
        key = (
            ruleset.id,
            version.version,
            req.id,
            shipment.destination,
            facts.as_of,
            fields,
            scope.uncertain,
            what,
        )
        found = self.requirements.get(key)
        if found is None:
            found = self.requirements[key] = self._judge_requirement(
                ruleset, version, req, shipment, facts, own, scope, plan, fields
            )
        return found, own

    def _judge_requirement(
        self,
        ruleset: Ruleset,
        version: Version,
        req: Requirement,
        shipment: Shipment,
        facts: ItemFacts,
        own: list[Document],
        scope: _Scope,
        plan: _Plan,
        fields: tuple[object, ...],
    ) -> _Requirement:
        self.judged += 1
        day = facts.as_of
        stand_ins = tuple(self._doc_facts(self.classes[d.id], d, i, day) for i, d in enumerate(own))
        if req.item_checks:
            answer_key: tuple[object, ...] = (day, "age", facts.calendar_age)
            shown = facts
        else:
            answer_key = (day, fields, tuple(self.classes[d.id] for d in own))
            shown = replace(facts, documents=stand_ins)
        answers = self.answers.get(answer_key)
        if answers is None:
            answers = self.answers[answer_key] = self.evaluator.evaluate(plan.program, shown)
        app = Applicability(True, uncertain=scope.uncertain)  # type: ignore[arg-type]
        ctx = Context(ruleset, version, shipment, shown, f"{ruleset.id}@{version.version}")
        result = requirement_result(ctx, req, answers, app)
        cell = requirement_cell(ruleset.id, result)
        missing = None
        if needs_document(result):
            missing = missing_cell(
                MissingDocument(
                    item_id=facts.item.id, ruleset=ruleset.id, requirement=result.id,
                    document_type=result.document_type, status=result.status, severity=result.severity,
                    document_types=result.document_types,
                )
            )  # fmt: skip
        positions = tuple(i for i in range(len(own)) if cell and self.stand_in(i) in cell)
        return _Requirement(result, cell, missing, positions)

    def _doc_facts(self, cls: int, doc: Document, position: int, day: dt.date) -> DocumentFacts:
        key = (cls, position, day)
        found = self.doc_facts.get(key)
        if found is None:
            found = self.doc_facts[key] = document_facts(
                doc.model_copy(update={"id": self.stand_in(position)}), self.registry, day
            )
        return found

    # -----------------------------------------------------------------------------------------

    def outcome(self, item: Item, docs: list[Document], destination: str, day: dt.date) -> Outcome:
        """The row's cells for one destination and day, as a one-item ``check`` would give them."""
        plan = self._plan(day)
        shipment: Shipment = self._shipment(destination, day)  # type: ignore[operator]
        facts = self._item_facts(item, day)
        verdicts, reasons = self._findings(facts, destination)
        verdicts = list(verdicts)
        reasons = list(reasons)
        missing: list[str] = []
        for _, ruleset, version in plan.versions:
            scope = self._scope(ruleset, version, shipment, facts)
            if not scope.applies:
                continue
            if scope.cell:
                reasons.append(scope.cell)
            results: list[RequirementResult] = []
            for req in version.requirements:
                part, own = self._requirement(ruleset, version, req, shipment, facts, docs, scope, plan)
                results.append(part.result)
                if part.cell is not None:
                    cell = part.cell
                    for i in part.positions:
                        cell = cell.replace(self.stand_in(i), own[i].id)
                    reasons.append(cell)
                if part.missing is not None:
                    missing.append(part.missing)
            verdicts.append(ruleset_verdict(results, scope.uncertain is not None))
        return Outcome(worst(verdicts), "; ".join(missing), " | ".join(reasons))


__all__ = ["Parts", "en"]
