"""Rows joined from their parts: what every destination reads of a row, and the row's cells.

A row's cells for a destination and day are made from parts (`compliance.inventory.parts`). Rows alike
in everything the parts read are joined once: the kind of machine (type, condition, procedure, HS
code), each scope's answer to its age question, the documents of the types the applying requirements
read (by class), the item fields they read and, where an age requirement applies, the calendar age
and year. What is left of a row is its own document ids, put in its sentences. Everything a key holds
is numbered once per row (a key with dates and enumerations is hashed in Python on every lookup).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from compliance.api import Evaluator
from compliance.inventory.model import Outcome
from compliance.inventory.parts import Parts, Scope, _Requirement
from compliance.inventory.plan import Plan
from compliance.judging.facts import ItemFacts, item_facts
from compliance.models.manifest import Document, Item, Shipment
from compliance.models.registry import Registry
from compliance.models.report import Verdict, worst
from compliance.models.ruleset import Ruleset, Version

#: Joined rows kept per process: about 1.3 kB each with their words (a stock's reasons name its
#: machines' documents and ages), so at most about 130 MiB; then judged afresh.
_JOINED_KEPT = 100_000


@dataclass(frozen=True)
class _Aged:
    """What the parts read of a manufacture date on a day (shared by every machine made that day)."""

    #: Facts whose ages are the machine's (`item_facts`).
    facts: ItemFacts
    #: What an age requirement is judged on: the calendar age and the year of manufacture.
    age: tuple[int, int]
    #: Per version of the plan: the answer to its scope's age question (`Parts._age_answer`).
    answers: tuple[object, ...]
    #: The day and ``answers`` as a number (keys are hashed per row and destination: a number is
    #: hashed at once, a tuple of dates and enumerations is not).
    n: int


@dataclass(frozen=True)
class _Row:
    """A row on a day, as every destination reads it."""

    aged: _Aged
    #: The kind of machine (type, condition, procedure, HS code) as a number.
    kind: int
    #: The values of the item fields requirements read.
    fields: tuple[object, ...]
    #: The row's documents by class.
    classes: tuple[int, ...]


@dataclass(frozen=True)
class _Scopes:
    """Every version's scope for a kind of machine at a destination on a day, and what a row's
    cells then read: the documents of which types, the values of which item fields."""

    #: This set's number (it stands for the destination, the day, the kind of machine and the answers
    #: to the scopes' age questions in the keys of joined rows).
    n: int
    scopes: tuple[Scope, ...]
    #: Each scope's context number, or -1 where the version does not apply.
    contexts: tuple[int, ...]
    #: Whether a version that applies has a requirement on the machine's age.
    aged: bool
    #: The document types the applying versions' requirements read.
    types: frozenset[str]
    #: The item fields the applying versions' requirements read.
    fields: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Joined:
    """A row's cells for a destination and day, with stand-ins for its document ids (one destination's:
    the key it is joined under holds the destination). Equal only to itself: a writer keeps what it
    makes of one keyed by it, hashed at once."""

    verdict: Verdict
    missing: str
    reasons: str
    #: The positions (among the row's documents) of the stand-ins in ``reasons``.
    positions: tuple[int, ...]
    #: The row's cells, where ``reasons`` has no stand-ins (the same for every row it is joined for).
    outcome: Outcome


class Rows(Parts):
    """Judges rows by parts and joins them (one instance per process)."""

    def __init__(
        self,
        rulesets: list[Ruleset],
        registry: Registry,
        evaluator: Evaluator,
        shipment: Callable[[str, dt.date], Shipment],
    ) -> None:
        super().__init__(rulesets, registry, evaluator, shipment)
        self.joined: dict[tuple[object, ...], Joined] = {}
        #: Per set of scopes and what its parts say (`_join`): the joined row.
        self.joined_values: dict[tuple[object, ...], Joined] = {}
        self.scope_sets: dict[tuple[object, ...], _Scopes] = {}
        #: Kinds of machine and days' age answers, numbered (`_Row.kind`, `_Aged.n`).
        self.kinds: dict[tuple[object, ...], int] = {}
        self.numbers: dict[tuple[object, ...], int] = {}
        self.ages: dict[tuple[object, dt.date], _Aged] = {}
        self._seen: Item | None = None
        self._rows: dict[dt.date, _Row] = {}
        self._row_stand_ins: list[str] = []

    def _aged(self, item: Item, day: dt.date, plan: Plan) -> _Aged:
        """What the parts read of the machine's age: it depends on the manufacture date and the day
        only. (A part is judged on the row's own facts, `item_facts`.)"""
        key = (item.manufactured, day)
        found = self.ages.get(key)
        if found is None:
            facts = item_facts(item, (), day)
            made = item.manufactured if isinstance(item.manufactured, int) else item.manufactured.year
            answers = tuple(self._age_answer(v, item, facts) for _, _, v in plan.versions)
            n = self.numbers.setdefault((day, answers), len(self.numbers))
            found = self.ages[key] = _Aged(facts, (facts.calendar_age, made), answers, n)
        return found

    @staticmethod
    def _age_answer(version: Version, item: Item, ages: ItemFacts) -> object:
        """What a version's scope reads of the machine's age: its answer to the age question (over N
        years: yes, no or, for a bare year that cannot settle it, the year and its age range)."""
        if version.scope.age is None:
            return None
        over = ages.over_years(version.scope.age.over_years)
        return (over, (item.manufactured, ages.age_min, ages.age_max) if over is None else None)

    def _scopes(self, item: Item, row: _Row, shipment: Shipment, plan: Plan) -> _Scopes:
        key = (shipment.destination, row.kind, row.aged.n)
        found = self.scope_sets.get(key)
        if found is None:
            # What every scope reads of the machine (its age aside).
            machine = (shipment.destination, row.aged.facts.as_of, row.kind)
            scopes = tuple(
                self._scope(index, rs, v, shipment, item, row.aged.facts, machine, age)
                for (index, rs, v), age in zip(plan.versions, row.aged.answers, strict=True)
            )
            applying = [
                (index, v) for (index, _, v), sc in zip(plan.versions, scopes, strict=True) if sc.applies
            ]
            found = self.scope_sets[key] = _Scopes(
                len(self.scope_sets),
                scopes,
                tuple(sc.n if sc.applies else -1 for sc in scopes),
                any(req.item_checks for _, v in applying for req in v.requirements),
                frozenset(t for _, v in applying for req in v.requirements for t in req.documents),
                tuple(
                    sorted(
                        {
                            f
                            for index, v in applying
                            for j in range(len(v.requirements))
                            for f in plan.fields[index, j]
                        }
                    )
                ),
            )
        return found

    def row_stand_in(self, position: int) -> str:
        stand_ins = self._row_stand_ins
        while len(stand_ins) <= position:
            stand_ins.append(f"~{self._nonce}#{len(stand_ins)}~")
        return stand_ins[position]

    def _row(self, item: Item, docs: list[Document], day: dt.date, plan: Plan) -> _Row:
        """What every destination reads of a row on a day (made once per row and day)."""
        if self._seen is not item:
            self._seen, self._rows = item, {}
        row = self._rows.get(day)
        if row is None:
            kind = (item.machine_type, item.condition, item.customs_procedure, item.hs_code)
            row = self._rows[day] = _Row(
                self._aged(item, day, plan),
                self.kinds.setdefault(kind, len(self.kinds)),
                tuple([getattr(item, f) for f in plan.item_fields]),
                tuple([self._class(d) for d in docs]),
            )
        return row

    def outcomes(
        self, item: Item, docs: list[Document], destinations: list[str], day: dt.date
    ) -> list[Outcome]:
        """The row's cells for each destination on a day, as a one-item ``check`` would give them.

        Rows alike in what the parts read are joined once: the machine's kind, each scope's answer,
        the documents of the types the applying requirements read (by class), the item fields they
        read and, where an age requirement applies, the calendar age and year. The rest of a row is
        its own document ids, put in its sentences."""
        plan = self._plan(day)
        row = self._row(item, docs, day, plan)
        classes = row.classes
        out: list[Outcome] = []
        for destination in destinations:
            shipment: Shipment = self._shipment(destination, day)
            scopes = self._scopes(item, row, shipment, plan)
            types = scopes.types
            read = [k for k, d in enumerate(docs) if d.type in types]
            key = (
                scopes.n,
                tuple([getattr(item, f) for f in scopes.fields]),
                tuple([classes[k] for k in read]),
                row.aged.age if scopes.aged else None,
            )
            joined = self.joined.get(key)
            if joined is None:
                if len(self.joined) >= _JOINED_KEPT:  # memory stays bounded however long the stream
                    self.joined.clear()
                joined = self.joined[key] = self._join(
                    item, [docs[k] for k in read], row, shipment, plan, scopes
                )
            reasons = joined.reasons
            for k in joined.positions:
                reasons = reasons.replace(self.row_stand_in(k), docs[read[k]].id)
            out.append(Outcome(joined.verdict, joined.missing, reasons))
        return out

    def _join(
        self, item: Item, docs: list[Document], row: _Row, shipment: Shipment, plan: Plan, scopes: _Scopes
    ) -> Joined:
        """A row's cells joined from its parts, each judged once; ``docs`` are the row's documents
        that the requirements read, named by stand-ins for their position among them. Rows whose
        parts say the same (a stock's many documents alike but for their dates mostly do) share one
        joined row, its words made once."""
        classes = [self._class(d) for d in docs]
        # Each applying requirement's part, and where the documents its words name are among ``docs``.
        chosen: list[tuple[_Requirement, tuple[int, ...]]] = []
        for (index, ruleset, version), scope in zip(plan.versions, scopes.scopes, strict=True):
            if not scope.applies:
                continue
            for j, req in enumerate(version.requirements):
                if req.item_checks:
                    picked: list[int] = []
                    tail: tuple[object, ...] = row.aged.age
                else:
                    types = req.documents
                    picked = [k for k, d in enumerate(docs) if d.type in types]
                    fields = plan.fields[index, j]
                    tail = (
                        tuple([getattr(item, f) for f in fields]) if fields else (),
                        tuple([classes[k] for k in picked]),
                    )
                part = self.requirements.get((scope.n, j, tail))
                if part is None:
                    own = [docs[k] for k in picked]
                    part = self._new_part(ruleset, version, req, shipment, item, own, scope, plan, (j, tail))
                chosen.append((part, tuple([picked[i] for i in part.positions])))
        # The set of scopes stands for the findings and the scopes' own words and open questions.
        key = (scopes.n, tuple([(part.value, where) for part, where in chosen]))
        joined = self.joined_values.get(key)
        if joined is None:
            if len(self.joined_values) >= _JOINED_KEPT:  # memory stays bounded however long the stream
                self.joined_values.clear()
            joined = self.joined_values[key] = self._joined_words(item, row, shipment, plan, scopes, chosen)
        return joined

    def _joined_words(
        self, item: Item, row: _Row, shipment: Shipment, plan: Plan, scopes: _Scopes,
        chosen: list[tuple[_Requirement, tuple[int, ...]]],
    ) -> Joined:  # fmt: skip
        """The joined row's verdict and words from its findings, scopes and chosen parts."""
        verdicts, reasons = self._findings(item, row.aged.facts.as_of, shipment.destination)
        # The row's verdict is the worst of the findings', the open scopes' (review) and each applying
        # requirement's (`verdicts.ruleset_verdict` is the worst of these per ruleset).
        verdicts = list(verdicts)
        reasons = list(reasons)
        missing: list[str] = []
        parts = iter(chosen)
        for (_, _, version), scope in zip(plan.versions, scopes.scopes, strict=True):
            if not scope.applies:
                continue
            if scope.cell:
                reasons.append(scope.cell)
            if scope.open:
                verdicts.append("review")
            for _, (part, where) in zip(version.requirements, parts, strict=False):
                verdicts.append(part.verdict)
                if part.cell is not None:
                    cell = part.cell
                    for i, k in zip(part.positions, where, strict=True):
                        cell = cell.replace(self.stand_in(i), self.row_stand_in(k))
                    reasons.append(cell)
                if part.missing is not None:
                    missing.append(part.missing)
        text = " | ".join(reasons)
        positions = tuple(sorted({k for _, where in chosen for k in where}))
        verdict, missed = worst(verdicts), "; ".join(missing)
        return Joined(verdict, missed, text, positions, Outcome(verdict, missed, text))
