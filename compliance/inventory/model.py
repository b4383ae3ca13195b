"""The inventory's columns and the records passed between reading, judging and writing."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from compliance.models.report import Coverage

REQUIRED_COLUMNS = ("id", "machine_type", "manufactured", "condition")
OPTIONAL_COLUMNS = (
    "hs_code",
    "manufacturer",
    "model",
    "country_of_manufacture",
    "customs_procedure",
    "documents",
)
#: Read into the machine (a decision can name its serial number) and still carried to the output as is.
READ_AND_CARRIED = ("serial_number",)
OUTPUT_COLUMNS = ("id", "destination", "verdict", "missing_documents", "reasons")
#: OWASP's advice against CSV injection: these first characters make a spreadsheet run a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 1000


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str | None]


@dataclass(frozen=True)
class Outcome:
    verdict: str
    missing_documents: str
    reasons: str


@dataclass(frozen=True)
class Layout:
    """How a run's output rows are made: the output file's kind and columns, and the input columns
    carried to it (with the machine's own, which the XLSX keeps)."""

    kind: str
    #: The cells of an output row, in order: the contract's columns, the carried ones, the dated
    #: verdicts (several dates) and, for a workbook, the machine's own.
    columns: tuple[str, ...]
    carried: tuple[str, ...]
    #: Input columns copied to the output: the carried ones, then (a workbook) the machine's own.
    kept: tuple[str, ...]


#: Output rows encoded for the file: CSV or JSON Lines text as UTF-8, or (XLSX, Parquet) the rows'
#: cells by column, which the sheet types and styles, or the table gathers into columns.
Block = bytes | list[dict[str, str]]


@dataclass
class Judged:
    """A chunk judged in a worker: its output rows encoded for the file, and what the summary counts."""

    #: Per input row, its output rows (one per destination).
    blocks: list[Block]
    rows_in: int
    rows_out: int
    #: Output rows per (destination, index of the as-of date, verdict on that date).
    verdicts: Counter[tuple[str, int, str]]
    changed: int
    #: Decisions that have matched so far in the worker (ids).
    matched: list[str]
    #: Parts judged for this chunk.
    parts: int


@dataclass
class Summary:
    rows_in: int = 0
    rows_out: int = 0
    by_destination: dict[str, Counter[str]] = field(default_factory=dict)
    changed: int = 0
    #: Verdicts on each later --as-of date, per (destination, day): the summary names every date.
    later: defaultdict[tuple[str, dt.date], Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    #: Which sheet of a workbook was read (said to the user: never a silent guess); None for CSV.
    sheet: str | None = None
    #: Per (destination, day): the rulesets judged and what no ruleset judges (a clear covers those only).
    coverage: dict[tuple[str, dt.date], Coverage] = field(default_factory=dict)
    #: Parts (distinct cases: a requirement's finding on its documents or the machine's age) judged, summed
    #: over the worker processes (each judges the parts its rows need once).
    parts_judged: int = 0
    #: Decisions that matched no row of the run (ids).
    decisions_unused: list[str] = field(default_factory=list)
