"""The days of a series alike for a row: which later days take an earlier day's verdicts.

Over a series of days only the first day's words are shown; a later day gives its verdict. A row's
verdicts on two days are the same wherever all that they read of a day is alike (`Plan.dated_only`):
the versions in force that speak of the run's destinations, what the scopes and the age requirements
read of the machine's age, and how its documents' dates compare with the day. So a row's later day
alike with an earlier one takes that day's outcomes, and only its other days are judged.

Found once per manufacture day, documents cell and pair of the two for the run, not per row and day
(a year of days over a stock would otherwise ask a dozen questions per row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from compliance.inventory.plan import Plan, dated_on
from compliance.judging.applicability import speaks_of_destination
from compliance.judging.facts import item_facts
from compliance.models.manifest import Document, Item


@dataclass(frozen=True)
class Coded:
    """A chunk's rows as numbers (`columns.ColumnRows.chunk_outcomes`)."""

    #: Per row: its series (`ColumnRows.templates`), its manufacture cell, its documents cell
    #: (`ColumnRows.cell_docs`).
    t_of: list[int]
    #: Per manufacture cell: its value (a date, a year, or `items.INVALID`).
    made: list[object]
    m_of: list[int]
    d_of: list[int]
    #: Row ``i`` as a machine (made on demand, once).
    item_of: Callable[[int], Item]


class Series:
    """What is known of a run's series of days (one per run and numbering of documents cells)."""

    def __init__(
        self, days: list[dt.date], destinations: list[str], plan: Callable[[dt.date], Plan],
        cell_docs: list[list[Document] | None],
    ) -> None:  # fmt: skip
        self.days = days
        self.destinations = destinations
        self.cell_docs = cell_docs
        self.span = (min(days), max(days))
        plans = [plan(day) for day in days]
        #: Per day: the versions in force that speak of the destinations (and the day itself where
        #: the rules read it otherwise than through documents' dates and the machine's age).
        self.on_days: list[object] = []
        for day, p in zip(days, plans, strict=True):
            versions = tuple(
                (index, v.version)
                for index, _, v in p.versions
                if any(speaks_of_destination(v, d, tender=False) for d in destinations)
            )
            self.on_days.append(versions if p.dated_only else (versions, day))
        #: The age limits the scopes of the series' versions ask about ("over N years").
        self.limits = tuple(
            sorted(
                {v.scope.age.over_years for p in plans for _, _, v in p.versions if v.scope.age is not None}
            )
        )
        #: Per manufacture day, and per documents cell: what they give on each day, numbered.
        self.age_rows: dict[object, int] = {}
        self.date_rows: dict[int, int] = {}
        self.row_numbers: dict[tuple[object, ...], int] = {}
        self.row_values: list[tuple[object, ...]] = []
        #: Per (age row, dates row): for each day, the first day alike with it.
        self.patterns: dict[tuple[int, int], tuple[int, ...]] = {}

    def of(self, coded: Coded, rows: list[int]) -> list[tuple[int, ...]]:
        """Per row, for each day, the first day alike with it in all that the row's verdicts read."""
        out: list[tuple[int, ...]] = []
        for i in rows:
            made, d = coded.made[coded.m_of[i]], coded.d_of[i]
            ages = self.age_rows.get(made)
            if ages is None:
                ages = self.age_rows[made] = self._age_row(coded.item_of(i))
            dates = self.date_rows.get(d)
            if dates is None:
                dates = self.date_rows[d] = self._date_row(d)
            pattern = self.patterns.get((ages, dates))
            if pattern is None:
                first: dict[tuple[object, ...], int] = {}
                a, o = self.row_values[ages], self.row_values[dates]
                pattern = self.patterns[(ages, dates)] = tuple(
                    first.setdefault((self.on_days[k], a[k], o[k]), k) for k in range(len(self.days))
                )
            out.append(pattern)
        return out

    def _age_row(self, item: Item) -> int:
        """What the scopes and the age requirements read of the machine's manufacture day on each
        day, numbered: its answer to each age limit the scopes ask about (and, where a bare year
        cannot settle one, its youngest and oldest age, which the scopes' answers then name) and its
        calendar age. Each only grows with the day: equal on the first and last day of the series,
        they are equal on every day between."""

        def on(day: dt.date) -> tuple[object, ...]:
            f = item_facts(item, (), day)
            over = tuple(f.over_years(n) for n in self.limits)
            return (over, (f.age_min, f.age_max) if None in over else None, f.calendar_age)

        first, last = on(self.span[0]), on(self.span[1])
        return self._numbered(
            (first,) * len(self.days) if first == last else tuple(on(day) for day in self.days)
        )

    def _date_row(self, d: int) -> int:
        """How the dates of documents cell ``d`` compare with each day, numbered: only those of its
        documents with a date among the series' days (the others compare alike with every day)."""
        docs = self.cell_docs[d]
        assert docs is not None
        first, last = self.span
        varying = [
            doc
            for doc in docs
            if any(
                x is not None and first <= x <= last for x in (doc.issued, doc.valid_until, doc.valid_from)
            )
        ]
        return self._numbered(
            tuple(
                tuple([(dated_on(x.issued, day, True), dated_on(x.valid_until, day, False),
                        dated_on(x.valid_from, day, True)) for x in varying])
                for day in self.days
            )
        )  # fmt: skip

    def _numbered(self, values: tuple[object, ...]) -> int:
        found = self.row_numbers.get(values)
        if found is None:
            found = self.row_numbers[values] = len(self.row_values)
            self.row_values.append(values)
        return found
