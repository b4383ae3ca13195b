"""Judging one inventory row per destination and day, exactly as `check` judges a one-item manifest."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from compliance.api import CachingEvaluator, Evaluator, check, default_evaluator
from compliance.inventory.cells import finding_cell, missing_cell, reason_cell, requirement_cell
from compliance.inventory.chunk_cells import column
from compliance.inventory.columns import ColumnRows, Found, FoundRow
from compliance.inventory.items import ItemReader, RowError, parse_item
from compliance.inventory.model import (
    OUTPUT_COLUMNS,
    Block,
    Judged,
    Layout,
    Outcome,
    Row,
)
from compliance.inventory.read import Chunk, Lines, csv_row, rows_of
from compliance.inventory.rows import Joined
from compliance.inventory.write import csv_cell, csv_part, encode, plain_text
from compliance.judging.decide import Ledger
from compliance.models.decisions import Decision
from compliance.models.manifest import Document, Item, Manifest, Shipment, manufactured_bounds
from compliance.models.registry import Registry
from compliance.models.report import ItemResult, MissingDocument
from compliance.models.ruleset import Ruleset, rulesets_digest

#: A line's destination, its verdict on each day, and whether they change.
Counted = tuple[str, tuple[str, ...], bool]

#: Joined rows' CSV cells kept (a stock's joined rows), then made afresh.
_WRITTEN_KEPT = 100_000

# ---------------------------------------------------------------------------------------------
# Judging


def item_key(item: Item, docs: list[Document], *, decisions: bool = False) -> tuple[object, ...]:
    """Everything a one-item check is given, except the item's id (which no verdict reads) and, when
    the run has no decisions, its serial number (only a decision reads it: without decisions a dealer's
    machines that differ only by serial number are one case). Derived from the item itself, so that a
    field a ruleset starts reading can never be left out by hand."""
    left_out = {"id"} if decisions else {"id", "serial_number"}
    return json.dumps(item.model_dump(mode="json", exclude=left_out), sort_keys=True), tuple(
        d.id for d in docs
    )


def outcome_of(result: ItemResult, missing: list[MissingDocument]) -> Outcome:
    """The row cells for one judged item (words only; the verdicts come from check)."""
    reasons: list[str] = [finding_cell(f) for f in result.findings]
    for rs in result.rulesets:
        if not rs.applies:
            continue
        if rs.reason:
            reasons.append(reason_cell(rs.ruleset, rs.reason))
        reasons.extend(c for req in rs.requirements if (c := requirement_cell(rs.ruleset, req)) is not None)
    docs = [c for m in missing if (c := missing_cell(m)) is not None]
    return Outcome(result.verdict, "; ".join(docs), " | ".join(reasons))


@dataclass
class Judge:
    """Judges inventory rows; one per process (it keeps caches)."""

    rulesets: list[Ruleset]
    registry: Registry
    documents: dict[str, Document]
    destinations: list[str]
    days: list[dt.date]
    fast: bool = True
    evaluator: Evaluator | None = None
    results: dict[tuple[object, ...], Outcome] = field(default_factory=dict)
    shipments: dict[tuple[str, dt.date], Shipment] = field(default_factory=dict)
    decisions: tuple[Decision, ...] = ()
    #: CSV and Parquet chunks judged column by column (`columns`); off: every row by `judge_lines`,
    #: the path the columns must reproduce (the benchmark compares the two).
    by_columns: bool = True

    def __post_init__(self) -> None:
        # A stock list has no invoice or bill of lading: rulesets of a shipment's own papers are not
        # judged for it (the summary's coverage then names them as not judged).
        self.rulesets = [rs for rs in self.rulesets if not rs.shipment_only]
        # Once per run, not per row.
        self.rulesets_sha256 = rulesets_digest(self.rulesets)
        # One ledger for the whole run (in each worker process): which decisions matched any row.
        self.ledger = Ledger(self.decisions) if self.decisions else None
        inner = self.evaluator or default_evaluator()
        self.evaluator = CachingEvaluator(inner) if self.fast else inner
        self.reader = ItemReader()
        #: Per series of verdicts over the days: its verdict columns and its changes.
        self._tails: dict[tuple[str, ...], list[str]] = {}
        self._tail_texts: dict[tuple[str, ...], str] = {}
        #: Per joined row (one destination's): its cells in a CSV line, with the stand-ins of the
        #: document ids (`_csv_block`).
        self._written: dict[Joined, str] = {}
        # Conditions that a yielded-to ruleset's scope names (remanufactured): such rows are judged whole.
        yielded = {y for rs in self.rulesets for v in rs.versions for y in v.scope.yields_to}
        self.routed_conditions = frozenset(
            c
            for rs in self.rulesets
            if rs.id in yielded
            for v in rs.versions
            for c in v.scope.conditions or []
        )
        # Without decisions, rows are judged by parts (a decision names one machine: whole rows then).
        self.parts = (
            ColumnRows(
                self.rulesets,
                self.registry,
                inner,
                self._shipment,
                self.documents,
                self.reader,
                self.routed_conditions,
            )  # fmt: skip
            if self.fast and self.ledger is None
            else None
        )

    def _routed(self, item: Item) -> bool:
        return item.condition in self.routed_conditions

    def _shipment(self, destination: str, day: dt.date) -> Shipment:
        key = (destination, day)
        found = self.shipments.get(key)
        if found is None:
            # An inventory states no origin; no rule reads it, so the destination stands in for it.
            found = self.shipments[key] = Shipment.model_validate(
                {"id": "inventory", "origin": destination, "destination": destination, "arrival_date": day}
            )
        return found

    @staticmethod
    def _made_by(item: Item, day: dt.date) -> None:
        earliest, _ = manufactured_bounds(item.manufactured)
        if earliest > day:
            raise RowError(
                f"column 'manufactured': {item.manufactured} is after the as-of date {day.isoformat()}"
            )

    def judge_one(
        self, item: Item, docs: list[Document], destination: str, day: dt.date, known: tuple[object, ...]
    ) -> Outcome:
        """A row judged whole, as a one-item `check` (with decisions, or without the fast path)."""
        # A decision may name the inventory line (inventory/ROW-ID): then the row's id is part of the key.
        key = (*known, destination, day, item.id if self.ledger else None) if self.fast else None
        if key is not None and key in self.results:
            return self.results[key]
        # A validated one-item manifest: the item and documents are validated models already (pydantic
        # does not validate them again), the shipment is validated once per destination and day.
        manifest = Manifest(shipment=self._shipment(destination, day), items=[item], documents=docs)
        report = check(
            manifest, self.rulesets, self.registry, as_of=day, evaluator=self.evaluator, with_upcoming=False,
            rulesets_sha256=self.rulesets_sha256, ledger=self.ledger,
        )  # fmt: skip
        outcome = outcome_of(report.items[0], report.missing_documents)
        if key is not None:
            self.results[key] = outcome
        return outcome

    @property
    def head(self) -> list[str]:
        """The columns `judge_lines` gives, in order (the carried columns go after ``reasons``)."""
        dated = [f"verdict@{d.isoformat()}" for d in self.days] + ["changes"] if len(self.days) > 1 else []
        return [*OUTPUT_COLUMNS, *dated]

    def judge_chunk(self, chunk: Chunk, layout: Layout) -> Judged:
        """A chunk's output rows, encoded for the output file, with their counts (a worker's whole
        job: the parent only writes and adds up what comes back)."""
        before = self.parts.judged if self.parts else 0
        blocks: list[Block] = []
        rows_out = 0
        verdicts: Counter[tuple[str, int, str]] = Counter()
        changed = 0
        later = range(1, len(self.days))
        # Each line's verdicts on the days, counted as one tuple per destination (a year of days
        # would otherwise be a dozen counts per line), then per day.
        series: Counter[tuple[str, tuple[str, ...]]] = Counter()
        for block, counted in self._blocks(chunk, layout):
            if len(counted) != len(self.destinations):
                raise AssertionError(
                    f"a row gave {len(counted)} outputs for {len(self.destinations)} destinations"
                )
            blocks.append(block)
            rows_out += len(counted)
            for destination, on_days, changes in counted:
                series[destination, on_days] += 1
                changed += changes
        for (destination, on_days), count in series.items():
            verdicts[destination, 0, on_days[0]] += count
            for i in later:
                verdicts[destination, i, on_days[i]] += count
        return Judged(
            blocks=blocks,
            rows_in=len(blocks),
            rows_out=rows_out,
            verdicts=verdicts,
            changed=changed,
            matched=sorted(self.ledger.matched) if self.ledger else [],
            parts=(self.parts.judged if self.parts else 0) - before,
        )

    def _blocks(self, chunk: Chunk, layout: Layout) -> Iterator[tuple[Block, list[Counted]]]:
        """Per row of the chunk, in order: its output lines encoded for the file, and per line its
        destination, its verdict on each day and whether they change. A CSV or Parquet chunk is judged
        column by column (`columns`), but for the rows the columns leave to `judge_lines`; into a CSV
        file, the lines of a row the columns judged are written from its outcomes (`_csv_block`)."""
        if not (isinstance(chunk, Lines) and isinstance(self.parts, ColumnRows) and self.by_columns):
            for row in rows_of(chunk):
                yield self._encoded(
                    self.judge_lines(row), [row.values.get(c) or "" for c in layout.kept], layout
                )
            return
        by_columns = self.parts.chunk_found(chunk, self.destinations, self.days)
        if len(by_columns) != len(chunk):
            raise AssertionError(f"{len(chunk)} rows judged by columns gave {len(by_columns)}")
        ids = column(chunk, "id")
        kept = [column(chunk, c) for c in layout.kept]
        for p, found in enumerate(by_columns):
            if found is None:
                row = csv_row(chunk.header, chunk.lines[p], chunk.cells[p])
                yield self._encoded(
                    self.judge_lines(row), [row.values.get(c) or "" for c in layout.kept], layout
                )
            elif layout.kind == "csv" and len(layout.kept) == len(layout.carried):
                yield self._csv_block(ids[p] or "", found, [k[p] or "" for k in kept])
            else:
                outcomes = [[self.parts.outcome(found.docs, f) for f in day] for day in found.days]
                yield self._encoded(
                    self._lines(ids[p] or "", outcomes, ""), [k[p] or "" for k in kept], layout
                )

    def _encoded(
        self, lines: list[list[str]], kept: list[str], layout: Layout
    ) -> tuple[Block, list[Counted]]:
        """A row's lines (`judge_lines`' cells) and kept cells, encoded in the layout's columns."""
        width = len(OUTPUT_COLUMNS)
        days = len(self.days)
        carried, machine = kept[: len(layout.carried)], kept[len(layout.carried) :]
        out = [[*line[:width], *carried, *line[width:], *machine] for line in lines]
        counted: list[Counted] = [
            (
                line[1],
                tuple(line[width : width + days]) if days > 1 else (line[2],),
                days > 1 and bool(line[-1]),
            )
            for line in lines
        ]
        return encode(layout.kind, layout.columns, out), counted

    def _csv_block(self, row_id: str, found: FoundRow, carried: list[str]) -> tuple[Block, list[Counted]]:
        """A row's CSV lines from its joined cells (per day, per destination), as `_lines` and `encode`
        write them: the cells of a joined row are written once for every row that has them, its own
        document ids then put in their place."""
        assert isinstance(self.parts, ColumnRows)
        parts = self.parts
        head = csv_cell(row_id)
        kept = "".join(["," + csv_cell(c) for c in carried])
        several = len(self.days) > 1
        text: list[str] = []
        counted: list[Counted] = []
        for i, destination in enumerate(self.destinations):
            first = found.days[0][i]
            joined = first[0]
            middle = self._written.get(joined)
            if middle is None:
                if len(self._written) >= _WRITTEN_KEPT:
                    self._written.clear()
                middle = self._written[joined] = csv_part(
                    [destination, joined.verdict, joined.missing, joined.reasons]
                )
            if joined.positions:
                with_ids = self._with_ids(middle, found.docs, first)
                if with_ids is None:  # an id that writing quotes or changes: its cells written whole
                    outcome = parts.outcome(found.docs, first)
                    with_ids = csv_part(
                        [destination, outcome.verdict, outcome.missing_documents, outcome.reasons]
                    )
                middle = with_ids
            tail, changes = "", False
            on_days: tuple[str, ...] = (joined.verdict,)
            if several:
                on_days = tuple([day[i][0].verdict for day in found.days])
                tail, changes = self._tail_text(on_days), bool(self._tail(on_days)[-1])
            text.append(f"{head},{middle}{kept}{tail}\r\n")
            counted.append((destination, on_days, changes))
        return "".join(text).encode(), counted

    def _with_ids(self, text: str, docs: list[Document], found: Found) -> str | None:
        """``text``, written from joined cells with their stand-ins, with the row's own document ids
        in their place; None where an id is one that writing would quote or change (the cells are
        then written from the row's outcome)."""
        assert isinstance(self.parts, ColumnRows)
        joined, picked = found
        for k in joined.positions:
            doc_id = docs[picked[k]].id
            if not plain_text(doc_id):
                return None
            text = text.replace(self.parts.row_stand_in(k), doc_id)
        return text

    def _tail(self, verdicts: tuple[str, ...]) -> list[str]:
        """A series of verdicts over the days as its cells: a verdict per day, and its changes (a stock
        has few series of verdicts: each made once)."""
        found = self._tails.get(verdicts)
        if found is None:
            changes = " -> ".join(verdicts) if len(set(verdicts)) > 1 else ""
            found = self._tails[verdicts] = [*verdicts, changes]
        return found

    def _tail_text(self, verdicts: tuple[str, ...]) -> str:
        """`_tail`'s cells as their part of a CSV line."""
        found = self._tail_texts.get(verdicts)
        if found is None:
            found = self._tail_texts[verdicts] = "," + csv_part(self._tail(verdicts))
        return found

    def judge_row(self, row: Row) -> list[dict[str, str]]:
        """One output row per destination, by column name (`judge_lines`' cells)."""
        head = self.head
        return [dict(zip(head, line, strict=True)) for line in self.judge_lines(row)]

    def judge_lines(self, row: Row) -> list[list[str]]:
        """One output row per destination, whatever happens: the cells of `head`."""
        try:
            item, docs = parse_item(row, self.documents, self.reader if self.parts is not None else None)
        except RowError as exc:
            item, docs, error = None, [], str(exc)
        else:
            error = ""
        # A machine that a ruleset may give a route of its own (remanufactured goods) is judged whole:
        # whether another rule applies to it depends on that route's verdict for the same row.
        by_parts = self.parts is not None and not (item is not None and self._routed(item))
        # The item's part of the cache key, once per row (not per destination and day).
        known = (
            item_key(item, docs, decisions=self.ledger is not None)
            if item is not None and self.fast and not by_parts
            else ()
        )
        row_id = row.values.get("id") or ""
        if item is not None:
            try:
                for day in self.days:  # an error of the row, for every destination
                    self._made_by(item, day)
            except RowError as exc:
                item, error = None, str(exc)
        # Each day's outcomes for every destination (by parts: what the destinations share of the row
        # is looked up once).
        by_day: list[list[Outcome]] = []
        if item is not None and by_parts:
            assert self.parts is not None
            by_day = [self.parts.outcomes(item, docs, self.destinations, day) for day in self.days]
        elif item is not None:
            by_day = [
                [self.judge_one(item, docs, d, day, known) for d in self.destinations] for day in self.days
            ]
        return self._lines(row_id, by_day, error)

    def _lines(self, row_id: str, by_day: list[list[Outcome]], error: str) -> list[list[str]]:
        """A row's output cells per destination from its outcomes per day (or its error)."""
        several = len(self.days) > 1
        out: list[list[str]] = []
        for i, destination in enumerate(self.destinations):
            outcomes = [day_outcomes[i] for day_outcomes in by_day]
            if error:
                line = [row_id, destination, "error", "", error]
                if several:
                    line += ["error"] * len(self.days) + [""]
            else:
                # The first date (now) decides the verdict column: filtering "clear" must show what can
                # ship now, never what clears only on a later date. Each date keeps its own column.
                first = outcomes[0]
                line = [row_id, destination, first.verdict, first.missing_documents, first.reasons]
                if several:
                    line += self._tail(tuple([o.verdict for o in outcomes]))
            out.append(line)
        return out
