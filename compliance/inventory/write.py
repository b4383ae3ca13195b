"""Writing inventory results: CSV, XLSX, JSON Lines or Parquet, atomically, with cells made safe."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from compliance.inventory.model import FORMULA_START, Block
from compliance.models.errors import UsageError
from compliance.reading.output import publish, temporary_beside

# ---------------------------------------------------------------------------------------------
# Writing


_ILLEGAL_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: str) -> str:
    """Prefix a quote to cells a spreadsheet would run as a formula (OWASP CSV injection), and show
    control characters (which XLSX cannot hold and a terminal would act on) as visible escapes."""
    if not value.isprintable():  # the common cell has no control character: no regex pass
        value = _ILLEGAL_IN_XLSX.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return "'" + value if value.startswith(FORMULA_START) else value


#: The machine's own columns, kept in the XLSX (a sheet people filter and read) after the carried
#: columns; CSV and JSON Lines keep the contract's columns and the carried ones only.
MACHINE_COLUMNS = ("machine_type", "manufacturer", "model", "manufactured", "condition")
#: Long text columns: wrapped, and their " | "-joined parts on lines of their own.
_LONG = ("missing_documents", "reasons")
_WIDTHS = {"id": 16, "destination": 12, "verdict": 10, "missing_documents": 60, "reasons": 90}
_NUMBER = re.compile(r"-?\d{1,15}(\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _typed(column: str, value: str) -> Any:
    """A cell as a spreadsheet types it: numbers as numbers, ISO dates as dates, the rest as safe text
    (ids and codes such as HS codes stay text)."""
    if column not in ("id", "hs_code", "documents") and _NUMBER.fullmatch(value):
        return float(value) if "." in value else int(value)
    if _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    if column in _LONG:
        value = value.replace(" | ", "\n").replace("); ", ");\n")
    return neutralise(value)


class _Sheet:
    """The verdicts as an exporter opens them: bold frozen header, a filter, widths, wrapped reasons,
    typed cells; a summary sheet per destination and date."""

    def __init__(self, columns: list[str]) -> None:
        import openpyxl
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        self.columns = columns
        self.book = openpyxl.Workbook(write_only=True)
        self.sheet = self.book.create_sheet("verdicts")
        self.sheet.freeze_panes = "B2"
        for i, c in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(c, 14)
        self._cell = WriteOnlyCell
        self._wrap = Alignment(wrap_text=True, vertical="top")
        self._top = Alignment(vertical="top")
        head = []
        for c in columns:
            cell = WriteOnlyCell(self.sheet, value=neutralise(c))  # headers come from the user's file too
            cell.font = Font(bold=True)
            head.append(cell)
        self.sheet.append(head)
        self.rows = 0
        self._letter = get_column_letter(len(columns))

    def append(self, cells: dict[str, str]) -> None:
        row = []
        for c in self.columns:
            value = _typed(c, cells.get(c, "") or "")
            cell = self._cell(self.sheet, value=value)
            cell.alignment = self._wrap if c in _LONG else self._top
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            row.append(cell)
        self.sheet.append(row)
        self.rows += 1

    def save(self, path: str, summary: list[list[Any]]) -> None:
        self.sheet.auto_filter.ref = f"A1:{self._letter}{self.rows + 1}"
        totals = self.book.create_sheet("summary")
        for line in summary:
            row = []
            for value in line:
                cell = self._cell(totals, value=value)
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                row.append(cell)
            totals.append(row)
        self.book.save(path)


def plain_text(value: str) -> bool:
    """Whether a text reads the same wherever it is put in a cell: printable, with no quote or comma
    (which make a CSV cell quoted) and no start a spreadsheet would run as a formula."""
    return (
        value.isprintable() and '"' not in value and "," not in value and not value.startswith(FORMULA_START)
    )


def _csv_cell(value: str) -> str:
    """A cell as Python's ``csv.writer`` writes it by default (quoted only where it must be), made
    safe first; the tests hold the two equal on arbitrary text. Writing this way is four times
    faster than ``csv.writer`` on a stock's long reason cells, the largest share of the output."""
    if not value.isprintable() or value.startswith(FORMULA_START):
        value = neutralise(value)
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    if "," in value or "\n" in value or "\r" in value:
        return '"' + value + '"'
    return value


#: Cells written before: looked up, not written again. Destinations, verdicts and carried columns
#: repeat on every row, and a stock of 100,000 machines has a few thousand distinct reasons cells
#: (a few hundred characters each) among its 300,000 rows: writing each once halves the time spent
#: writing. Bounded by the characters kept; cleared when full.
_WRITTEN: dict[str, str] = {}
_WRITTEN_CHARS = 0
_WRITTEN_MAX_CHARS = 4_000_000


def _known_cell(value: str) -> str:
    global _WRITTEN_CHARS
    found = _WRITTEN.get(value)
    if found is None:
        if _WRITTEN_CHARS >= _WRITTEN_MAX_CHARS:
            _WRITTEN.clear()
            _WRITTEN_CHARS = 0
        found = _WRITTEN[value] = _csv_cell(value)
        _WRITTEN_CHARS += len(value) + len(found)
    return found


def csv_cell(value: str) -> str:
    """One cell as `csv_line` writes it, made safe (a cell seldom repeated: not kept)."""
    return _csv_cell(value)


def csv_part(cells: Sequence[str]) -> str:
    """Cells as their part of a CSV line, as `csv_line` writes them: the parts of a line joined by
    commas, and its end, are the line."""
    return ",".join([_known_cell(c) for c in cells])


def csv_line(cells: Sequence[str]) -> str:
    if len(cells) == 1 and not cells[0]:
        return '""\r\n'  # as csv.writer writes a row of one empty cell (else it reads as no row)
    return ",".join([_known_cell(c) for c in cells]) + "\r\n"


def encode(kind: str, columns: Sequence[str], rows: list[list[str]]) -> Block:
    """Rows (cells in ``columns``' order) as the output file holds them: run in the worker
    processes, so that the parent only writes what they send."""
    if kind == "csv":
        return "".join([csv_line(r) for r in rows]).encode()
    if kind == "jsonl":
        return "".join(
            json.dumps(dict(zip(columns, r, strict=True)), ensure_ascii=False) + "\n" for r in rows
        ).encode()
    return [dict(zip(columns, r, strict=True)) for r in rows]


class Writer:
    def __init__(self, path: Path | None, columns: list[str]) -> None:
        self.path = path
        self.columns = columns
        self.summary: list[list[Any]] = []
        self.kind = (
            "csv"
            if path is None
            else {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".parquet": "parquet"}.get(
                path.suffix.lower(), ""
            )
        )
        if not self.kind:
            raise UsageError(
                f"unknown output format '{path.suffix if path else ''}'; use .csv, .xlsx, .jsonl or .parquet",
                field="--output",
            )
        self.tmp: str | None = None
        self.fh: IO[bytes] | None = None
        self.book: Any = None
        if path is not None:
            self.tmp = temporary_beside(path)
        if self.kind == "xlsx":
            # The contract's columns, the carried ones, then the machine's own (before any per-date columns).
            dated = [c for c in columns if c.startswith("verdict@") or c == "changes"]
            plain = [c for c in columns if c not in dated]
            self.book = _Sheet([*plain, *(c for c in MACHINE_COLUMNS if c not in plain), *dated])
        elif self.kind == "parquet":
            from compliance.inventory.parquet import ParquetTable

            assert self.tmp is not None  # a Parquet file is never written to stdout
            self.book = ParquetTable(columns, self.tmp)
        else:
            import sys

            # Bytes: the workers send their rows encoded as UTF-8, written as they come.
            self.fh = open(self.tmp, "wb") if self.tmp else sys.stdout.buffer  # noqa: SIM115
            if self.kind == "csv":
                self.fh.write(csv_line(columns).encode())

    def write(self, cells: dict[str, str]) -> None:
        self.write_block(encode(self.kind, self.columns, [[cells.get(c, "") or "" for c in self.columns]]))

    def write_block(self, block: Block) -> None:
        """Rows made by `encode` with this writer's kind and columns."""
        self.write_blocks([block])

    def write_blocks(self, blocks: list[Block]) -> None:
        text = [b for b in blocks if isinstance(b, bytes)]
        if text:
            assert self.fh is not None
            self.fh.write(b"".join(text))
        for block in blocks:
            if not isinstance(block, bytes):
                for cells in block:
                    self.book.append(cells)

    def commit(self) -> None:
        if self.kind in ("xlsx", "parquet"):
            self.book.save(self.tmp, self.summary)
        elif self.tmp and self.fh is not None:
            self.fh.close()
        if self.tmp and self.path is not None:
            publish(self.tmp, self.path)
            self.tmp = None

    def abort(self) -> None:
        if self.fh is not None and self.tmp:
            self.fh.close()
        if self.kind == "parquet" and self.book is not None:
            self.book.abort()
        if self.tmp:
            Path(self.tmp).unlink(missing_ok=True)
