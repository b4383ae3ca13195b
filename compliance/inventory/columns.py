"""A chunk of CSV or Parquet rows judged column by column.

Judging by parts (`parts`) and joining rows (`rows`) is what it is row by row; this is how a chunk's
rows find their joined cells without a machine model, a documents list and a dozen lookups per row
and destination. Each column's distinct values are read once per run: a model series' shared cells
(its validated machine), a manufacture cell (its date, and what the scopes read of the machine's age
on each day), a documents cell (its documents, and per set of scopes the classes of those the
requirements read), each looked up by its cells as written (`chunk_cells`). A row is then three
numbers, and its key for a destination and day is made from numbers already known. Only a row
whose key is new is made a machine and joined (`Rows._join`); every other row takes the joined
cells of its key and puts its own document ids in them.

A row the columns cannot take as valid (a blank id, shared cells or a manufacture cell that do not
validate, an unknown document, cells past the header, a condition a ruleset routes, a manufacture date
after the first day) is left to `Judge.judge_lines`, which judges it, or words its error, as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

from compliance.api import Evaluator
from compliance.inventory.chunk_cells import Numbered, as_written, column
from compliance.inventory.items import (
    INVALID,
    NO_CROSS_FIELD_CHECKS,
    OWN,
    SHARED,
    ItemReader,
    RowError,
    documents_of,
)
from compliance.inventory.model import Outcome
from compliance.inventory.plan import Plan
from compliance.inventory.read import Lines
from compliance.inventory.rows import _JOINED_KEPT, Joined, Rows, _Aged, _Row, _Scopes
from compliance.inventory.series import Coded, Series
from compliance.models.errors import UsageError
from compliance.models.manifest import Document, Item, Shipment, manufactured_bounds
from compliance.models.registry import Registry
from compliance.models.ruleset import Ruleset

#: Series and documents cells numbered at most (then numbered afresh).
_CODES_KEPT = 200_000

#: A row's cells for a destination on a day: its joined cells, and the positions among the row's
#: documents of those the cells read (whose ids go in their words).
Found = tuple[Joined, tuple[int, ...]]


class FoundRow(NamedTuple):
    """A row the columns judged: its documents, and its joined cells per day, per destination (a
    tuple: one is made per row)."""

    docs: list[Document]
    days: list[list[Found]]


class ColumnRows(Rows):
    """Rows judged by parts, a chunk's rows found column by column (one instance per process)."""

    def __init__(
        self,
        rulesets: list[Ruleset],
        registry: Registry,
        evaluator: Evaluator,
        shipment: Callable[[str, dt.date], Shipment],
        documents: dict[str, Document],
        reader: ItemReader,
        routed: frozenset[str],
    ) -> None:
        super().__init__(rulesets, registry, evaluator, shipment)
        self.documents = documents
        self.reader = reader
        self.routed = routed
        self._forget_codes()

    def _forget_codes(self) -> None:
        self._forget_cells()
        #: Per (scopes, the series' values of the fields the rules read, the documents cell's classes,
        #: the age where an age requirement applies), all numbered: the joined cells and the positions
        #: of the documents they read (forgotten with the numbers).
        self.quick: dict[tuple[object, ...], tuple[Joined, tuple[int, ...]]] = {}
        #: The values of the fields the rules read, and documents cells as their documents' classes,
        #: numbered (the numbers in ``quick``'s keys); per documents cell, its number.
        self.field_codes: dict[tuple[object, ...], int] = {}
        self.class_codes: dict[tuple[int, ...], int] = {}
        self.cell_classes: dict[int, int] = {}
        #: Per set of destinations, per row's numbers (`_day`): its joined cells per destination.
        self.row_found: dict[tuple[str, ...], dict[tuple[int, int, int], list[Found]]] = {}
        #: Kinds of machine with the values of the fields the rules read, and what the scopes read of
        #: a manufacture cell's age on a day, numbered (a row's numbers in ``row_found``).
        self.machine_codes: dict[tuple[int, int], int] = {}
        self.age_codes: dict[tuple[int, tuple[int, int]], int] = {}
        #: What is known of the run's series of days (its documents cells numbered as here).
        self.days_known: Series | None = None

    def _forget_cells(self) -> None:
        #: Model series (their shared cells) and documents cells, numbered: a row is these numbers.
        self.series: dict[tuple[str | None, ...], int] = {}
        #: Per series, its validated machine (None: the shared cells do not validate).
        self.templates: list[Item | None] = []
        self.cell_codes: dict[str | None, int] = {}
        #: Per header, the numbers above by rows' cells as written (`_numbering`).
        self.numbered: dict[tuple[str, ...], tuple[Numbered, Numbered]] = {}
        #: Per documents cell, its documents (None: the cell is a row's error, worded row by row).
        self.cell_docs: list[list[Document] | None] = []
        #: Per (series, the fields a set of scopes' requirements read): their values.
        self.fields_of: dict[tuple[int, tuple[str, ...]], tuple[object, ...]] = {}
        #: Per (documents cell, the document types a set of scopes reads): the positions and classes
        #: of the cell's documents of those types.
        self.read_of: dict[tuple[int, frozenset[str]], tuple[tuple[int, ...], tuple[int, ...]]] = {}

    def _documents(self, cell: str | None) -> list[Document] | None:
        try:
            return documents_of(cell, self.documents, 0)
        except (RowError, UsageError):  # (the usage error is raised row by row, naming the line)
            return None

    def chunk_found(
        self, chunk: Lines, destinations: list[str], days: list[dt.date]
    ) -> list[FoundRow | None]:
        """Per row of the chunk, its joined cells (per day, per destination), or None for a row that
        `Judge.judge_lines` must judge or word as an error itself."""
        n = len(chunk)
        if not NO_CROSS_FIELD_CHECKS or not n:
            return [None] * n
        if max([len(self.read_of), len(self.fields_of), *map(len, self.numbered.values())]) > _CODES_KEPT:
            self._forget_codes()  # memory stays bounded however long the stream
        # Each row as numbers: its series' machine, its manufacture cell, its documents cell (the
        # series and the documents cells numbered for the run, so that what is known of them is
        # kept), each looked up by its cells as written.
        series, cells = self._numbering(chunk.header)
        t_of = list(map(series.__getitem__, as_written(chunk, SHARED)))
        made_codes: Numbered = Numbered(lambda _: len(made_codes))  # (numbered in order, for this chunk)
        m_of = list(map(made_codes.__getitem__, as_written(chunk, ("manufactured",))))
        made = [self._made(raw[0].strip()) for raw in made_codes]
        d_of = list(map(cells.__getitem__, as_written(chunk, ("documents",))))
        ids = column(chunk, "id")
        templates, docs_of = self.templates, self.cell_docs
        valid = self._valid(chunk, ids, t_of, made, m_of, d_of, min(days))
        items: dict[int, Item] = {}
        serial_at = chunk.header.index("serial_number") if "serial_number" in chunk.header else None

        def item_of(i: int) -> Item:
            found = items.get(i)
            if found is None:
                template = templates[t_of[i]]
                assert template is not None
                row = chunk.cells[i]
                serial = (
                    row[serial_at].strip() or None if serial_at is not None and serial_at < len(row) else None
                )
                own = {"id": ids[i], "serial_number": serial, "manufactured": made[m_of[i]]}
                found = items[i] = template.model_copy(update=own)
            return found

        coded = Coded(t_of, made, m_of, d_of, item_of)
        out: list[FoundRow | None] = [None] * n
        rows = [i for i in range(n) if valid[i]]
        for i, found in zip(rows, self._days(coded, rows, destinations, days), strict=True):
            docs = docs_of[d_of[i]]
            assert docs is not None
            out[i] = FoundRow(docs, found)
        return out

    def _numbering(self, header: tuple[str, ...]) -> tuple[Numbered, Numbered]:
        """For a header, the numbers of rows' series and documents cells by their cells as written."""
        found = self.numbered.get(header)
        if found is None:
            shared = [c for c in SHARED if c in header]

            def series_code(written: tuple[str, ...]) -> int:
                by_name = {c: v.strip() or None for c, v in zip(shared, written, strict=True)}
                key = tuple([by_name.get(c) for c in SHARED])
                code = self.series.get(key)
                if code is None:
                    code = self.series[key] = len(self.templates)
                    self.templates.append(self.reader.template(key))
                return code

            def cell_code(written: tuple[str, ...]) -> int:
                cell = written[0].strip() or None if written else None
                code = self.cell_codes.get(cell)
                if code is None:
                    code = self.cell_codes[cell] = len(self.cell_docs)
                    self.cell_docs.append(self._documents(cell))
                return code

            found = self.numbered[header] = (Numbered(series_code), Numbered(cell_code))
        return found

    def _made(self, cell: str) -> object:
        return self.reader.made_value(cell) if cell else INVALID

    def _days(
        self, coded: Coded, rows: list[int], destinations: list[str], days: list[dt.date]
    ) -> list[list[list[Found]]]:
        """The rows' joined cells on each day. A row's later day alike with an earlier one in all
        that its verdicts read of a day (`series`) takes the earlier day's (only the first day's
        words are shown; a later day gives its verdict)."""
        if len(days) == 1:
            return [[found] for found in self._day(days[0], destinations, rows, coded)]
        series = self.days_known
        if series is None or (series.days, series.destinations) != (days, destinations):
            series = self.days_known = Series(days, destinations, self._plan, self.cell_docs)
        patterns = series.of(coded, rows)
        judged: dict[tuple[int, int], list[Found]] = {}
        for k, day in enumerate(days):
            todo = [s for s, pattern in enumerate(patterns) if pattern[k] == k]
            for s, found in zip(
                todo, self._day(day, destinations, [rows[s] for s in todo], coded), strict=True
            ):
                judged[s, k] = found
        return [[judged[s, first] for first in pattern] for s, pattern in enumerate(patterns)]

    def _valid(
        self, chunk: Lines, ids: list[str | None], t_of: list[int], made: list[object], m_of: list[int],
        d_of: list[int], first_day: dt.date,
    ) -> list[bool]:  # fmt: skip
        """Whether each row is one the columns judge (see the module's docstring). What decides it is
        found once per series, manufacture cell and documents cell of the chunk, not per row."""
        templates, docs_of, routed = self.templates, self.cell_docs, self.routed
        usable_t = {t: (tpl := templates[t]) is not None and tpl.condition not in routed for t in set(t_of)}
        usable_m = [m is not INVALID and manufactured_bounds(m)[0] <= first_day for m in made]  # type: ignore[arg-type]
        usable_d = {d: docs_of[d] is not None for d in set(d_of)}
        valid = [
            i is not None and usable_t[t] and usable_m[m] and usable_d[d]
            for i, t, m, d in zip(ids, t_of, m_of, d_of, strict=True)
        ]
        width = len(chunk.header)
        if max(map(len, chunk.cells)) > width:  # cells past the header: the row's error, unless blank
            for i, cells in enumerate(chunk.cells):
                if len(cells) > width and any(e.strip() for e in cells[width:]):
                    valid[i] = False
        return valid

    def _day(self, day: dt.date, destinations: list[str], rows: list[int], coded: Coded) -> list[list[Found]]:
        """The given rows' joined cells on one day, per destination. Rows alike in what decides every
        destination's key (the kind of machine and the series' values of the fields the rules read,
        what the scopes read of the age, the documents cell's classes) share them, looked up once."""
        plan = self._plan(day)
        item_of, templates = coded.item_of, self.templates
        t_of, made, m_of, d_of = coded.t_of, coded.made, coded.m_of, coded.d_of
        # What the scopes read of each manufacture cell's age (its first row stands for it: the age
        # depends on the manufacture date and the day only), and each series' kind of machine.
        aged: dict[int, _Aged] = {}
        ages: dict[int, int] = {}
        for m, i in {m_of[i]: i for i in reversed(rows)}.items():
            found = self.ages.get((made[m], day))
            a = aged[m] = found if found is not None else self._aged(item_of(i), day, plan)
            ages[m] = self.age_codes.setdefault((a.n, a.age), len(self.age_codes))
        kinds: dict[int, int] = {}
        fields: dict[int, int] = {}
        machines: dict[int, int] = {}
        for t in {t_of[i] for i in rows}:
            tpl = templates[t]
            assert tpl is not None
            kind = (tpl.machine_type, tpl.condition, tpl.customs_procedure, tpl.hs_code)
            kinds[t] = self.kinds.setdefault(kind, len(self.kinds))
            values = tuple([getattr(tpl, f) for f in plan.item_fields])
            fields[t] = self.field_codes.setdefault(values, len(self.field_codes))
            machines[t] = self.machine_codes.setdefault((kinds[t], fields[t]), len(self.machine_codes))
        classes = {d: self._cell_class(d) for d in {d_of[i] for i in rows}}
        known = self.row_found.setdefault(tuple(destinations), {})
        # Every row's key, and the joined cells of those known, in one pass each; then the rest.
        keys = [(machines[t_of[i]], ages[m_of[i]], classes[d_of[i]]) for i in rows]
        out: list[list[Found] | None] = list(map(known.get, keys))
        shipments = [self._shipment(destination, day) for destination in destinations]
        for slot in [s for s, found_all in enumerate(out) if found_all is None]:
            key = keys[slot]
            found_all = known.get(key)  # (a row before it in the chunk may have the same key)
            if found_all is None:
                i = rows[slot]
                t, m = t_of[i], m_of[i]
                found_all, keep = self._row_found(
                    i, aged[m], kinds[t], fields[t], key[2], shipments, coded, day, plan
                )
                if keep:
                    if len(known) >= _JOINED_KEPT:  # memory stays bounded however long the stream
                        known.clear()
                    known[key] = found_all
            out[slot] = found_all
        return out  # type: ignore[return-value]  # (every slot filled above)

    def _row_found(
        self, i: int, a: _Aged, kind: int, fields: int, cell_class: int, shipments: list[Shipment],
        coded: Coded, day: dt.date, plan: Plan,
    ) -> tuple[list[Found], bool]:  # fmt: skip
        """Row ``i``'s joined cells per destination, and whether rows alike in its numbers share them
        (not where a requirement reads a row's own field)."""
        t, d = coded.t_of[i], coded.d_of[i]
        quick = self.quick
        out: list[Found] = []
        keep = True
        for shipment in shipments:
            pair = (shipment.destination, kind, a.n)
            scopes = self.scope_sets.get(pair)
            if scopes is None:
                scopes = self._scopes(coded.item_of(i), _Row(a, kind, (), ()), shipment, plan)
            # What the series gives the fields the rules read, the classes of the documents in the
            # cell and (where an age requirement applies) the age decide the key of the joined row,
            # unless a requirement reads a row's own field.
            fast = (scopes.n, fields, cell_class, a.age if scopes.aged else None)
            found = quick.get(fast)
            if found is None:
                found = self._found(i, t, d, a, scopes, coded, day, plan, shipment, fast)
                keep = keep and OWN_FIELDS.isdisjoint(scopes.fields)
            out.append(found)
        return out, keep

    def _cell_class(self, d: int) -> int:
        """Documents cell ``d`` as the classes of its documents, in order, numbered: cells alike in
        these read alike (a class is a document's content but its id, so its type too)."""
        found = self.cell_classes.get(d)
        if found is None:
            docs = self.cell_docs[d]
            assert docs is not None
            key = tuple([self._class(doc) for doc in docs])
            found = self.cell_classes[d] = self.class_codes.setdefault(key, len(self.class_codes))
        return found

    def _found(
        self, i: int, t: int, d: int, a: _Aged, scopes: _Scopes, coded: Coded, day: dt.date, plan: Plan,
        shipment: Shipment, fast: tuple[object, ...],
    ) -> tuple[Joined, tuple[int, ...]]:  # fmt: skip
        """Row ``i``'s joined cells for the scopes, and the positions of the documents they read
        (kept under ``fast``, the row's key in numbers, unless a requirement reads its own fields)."""
        if OWN_FIELDS.isdisjoint(scopes.fields):
            fields = self.fields_of.get((t, scopes.fields))
            if fields is None:
                tpl = self.templates[t]
                fields = self.fields_of[(t, scopes.fields)] = tuple([getattr(tpl, f) for f in scopes.fields])
        else:  # a requirement reads a row's own field (its serial number): the row's own values
            item = coded.item_of(i)
            fields = tuple([getattr(item, f) for f in scopes.fields])
        docs = self.cell_docs[d]
        assert docs is not None
        read = self.read_of.get((d, scopes.types))
        if read is None:
            picked = tuple(k for k, doc in enumerate(docs) if doc.type in scopes.types)
            read = self.read_of[(d, scopes.types)] = (picked, tuple([self._class(docs[k]) for k in picked]))
        key = (scopes.n, fields, read[1], a.age if scopes.aged else None)
        joined = self.joined.get(key)
        if joined is None:
            joined = self._joined_for(key, coded.item_of(i), docs, read[0], day, plan, shipment, scopes)
        found = (joined, read[0])
        if OWN_FIELDS.isdisjoint(scopes.fields):
            if len(self.quick) >= _JOINED_KEPT:  # memory stays bounded however long the stream
                self.quick.clear()
            self.quick[fast] = found
        return found

    def _joined_for(
        self, key: tuple[object, ...], item: Item, docs: list[Document], picked: tuple[int, ...], day: dt.date,
        plan: Plan, shipment: Shipment, scopes: _Scopes,
    ) -> Joined:  # fmt: skip
        if len(self.joined) >= _JOINED_KEPT:  # memory stays bounded however long the stream
            self.joined.clear()
        row = self._row(item, docs, day, plan)
        joined = self.joined[key] = self._join(item, [docs[k] for k in picked], row, shipment, plan, scopes)
        return joined

    def outcome(self, docs: list[Document], found: Found) -> Outcome:
        """A row's cells from its joined cells: its own document ids in the words."""
        joined, picked = found
        if not joined.positions:
            return joined.outcome
        reasons = joined.reasons
        for k in joined.positions:
            reasons = reasons.replace(self.row_stand_in(k), docs[picked[k]].id)
        return Outcome(joined.verdict, joined.missing, reasons)


#: The machine's fields a row holds itself (not its series).
OWN_FIELDS = frozenset(OWN)
