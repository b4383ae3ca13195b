"""Reading inventories: CSV and XLSX rows as a stream, with bounds, and the documents file."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from compliance.inventory.header import check_header
from compliance.inventory.model import Row
from compliance.models.errors import InputError, UsageError
from compliance.models.manifest import Document
from compliance.reading.archive import check_workbook
from compliance.reading.collecting import collecting_seldom
from compliance.reading.validation import validate

# ---------------------------------------------------------------------------------------------
# Reading


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class Lines:
    """CSV rows as the reader gives them: each row's line number and cells. A run sends these to its
    worker processes, which make them `Row`s (`rows_of`): lists of strings pickle several times
    faster than rows of dicts, and the parent, which reads and writes every row, stays light."""

    header: tuple[str, ...]
    lines: list[int]
    cells: list[list[str]]

    def __len__(self) -> int:
        return len(self.lines)


#: Rows sent to a worker together: a workbook's are read into `Row`s by the parent (openpyxl's
#: reader runs there), a CSV file's are sent as `Lines`.
Chunk = list[Row] | Lines


def rows_of(chunk: Chunk) -> list[Row]:
    if isinstance(chunk, Lines):
        return [csv_row(chunk.header, n, v) for n, v in zip(chunk.lines, chunk.cells, strict=True)]
    return chunk


def csv_row(header: tuple[str, ...] | list[str], line: int, values: list[str]) -> Row:
    """One CSV row's cells by column name: blank cells are None, cells past the header are flagged."""
    padded = values + [""] * (len(header) - len(values))
    row = {h: (v.strip() or None) for h, v in zip(header, padded, strict=False) if h}
    if any(e.strip() for e in padded[len(header) :]):
        row["__extra__"] = "more cells than header columns"
    return Row(line, row)


@dataclass
class Source:
    header: list[str]
    #: Rows (a workbook) or (line, cells) pairs not yet made rows (a CSV file).
    records: Iterator[Row | tuple[int, list[str]]] = field(repr=False)
    #: The sheet read, for a workbook.
    sheet: str | None = None

    @property
    def rows(self) -> Iterator[Row]:
        for r in self.records:
            yield r if isinstance(r, Row) else csv_row(self.header, *r)

    def chunks(self, size: int) -> Iterator[Chunk]:
        """The rows in input order, ``size`` at a time."""
        header = tuple(self.header)
        while batch := list(islice(self.records, size)):
            rows = [r for r in batch if isinstance(r, Row)]
            pairs = [r for r in batch if not isinstance(r, Row)]
            if rows and pairs:  # one source is one kind; never a row lost to a filter
                raise AssertionError("a chunk mixes rows and CSV records")
            yield rows or Lines(header, [n for n, _ in pairs], [v for _, v in pairs])


def read_source(path: Path, sheet: str | None = None) -> Source:
    """The header, a stream of rows and, for a workbook, the sheet they come from."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError("file not found", file=path)
    if not path.is_file():
        raise InputError("is not a regular file; expected a CSV, XLSX or Parquet file", file=path)
    if suffix == ".xlsx":
        return _read_xlsx(path, sheet)
    if sheet is not None:
        raise UsageError(f"--sheet is for XLSX workbooks; this file is {suffix[1:].upper()}", field="--sheet")
    if suffix in (".csv", ".txt"):
        header, rows = _read_csv(path)
        return Source(header, rows)
    if suffix == ".parquet":
        from compliance.inventory.parquet import read_parquet

        header, rows = read_parquet(path)
        return Source(header, rows)
    raise UsageError(f"unknown inventory format '{suffix}'; expected .csv, .xlsx or .parquet", file=path)


def _read_csv(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    fh = path.open(newline="", encoding="utf-8-sig")
    try:
        reader = csv.reader(fh)
        header = check_header(next(reader, []), path)
    except UnicodeDecodeError:
        fh.close()
        raise InputError("not UTF-8 text; save the file as UTF-8 CSV", file=path) from None
    except BaseException:
        fh.close()
        raise

    def rows() -> Iterator[tuple[int, list[str]]]:
        with fh:
            try:
                for values in reader:
                    if not "".join(values).strip():  # blank (the cells joined: one call, not one each)
                        continue
                    yield reader.line_num, values
            except UnicodeDecodeError:
                raise InputError(
                    "not UTF-8 text; save the file as UTF-8 CSV", file=path, line=reader.line_num + 1
                ) from None
            except csv.Error as exc:
                raise InputError(f"CSV error: {exc}", file=path, line=reader.line_num) from None

    return header, rows()


#: The columns a row of a workbook may have (its unpacked size is bounded by `check_workbook`).
MAX_XLSX_COLUMNS = 1000


def _open_sheet(path: Path, sheet_name: str | None) -> tuple[Any, Any, Any, Any]:
    """The workbook twice (values, and formulas to tell an uncomputed one from an empty cell) and the
    chosen sheet of each; bad input names what is wrong."""
    import openpyxl

    parts = check_workbook(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        if any(n.startswith("xl/chartsheets/") for n in parts):
            # openpyxl's streaming reader cannot open a workbook holding a chart sheet.
            raise InputError(
                "the workbook holds a chart sheet, which cannot be read row by row; save the table as a "
                "workbook of its own (or as CSV) and give that",
                file=path,
            ) from None
        raise InputError(f"not a readable XLSX workbook ({type(exc).__name__})", file=path) from None
    try:
        if sheet_name is not None:
            if sheet_name not in book.sheetnames:
                raise UsageError(
                    f"no sheet '{sheet_name}' in {path.name}; its sheets: {', '.join(book.sheetnames)}",
                    field="--sheet",
                )
            sheet, shadow = book[sheet_name], formulas[sheet_name]
        else:
            sheet, shadow = book.active, formulas.active
        if sheet is None or not hasattr(sheet, "iter_rows"):
            title = getattr(sheet, "title", "?")
            raise InputError(
                f"the sheet '{title}' is a chart, not a table of rows; choose a sheet with --sheet NAME "
                f"(sheets: {', '.join(book.sheetnames)})",
                file=path,
            )
    except BaseException:
        book.close()
        formulas.close()
        raise
    return book, formulas, sheet, shadow


def _sheet_row(header: list[str], cells: list[Any], uncomputed: list[str]) -> dict[str, str | None]:
    row: dict[str, str | None] = {}
    for h, v in zip(header, cells, strict=False):
        if not h:
            continue
        if h == "hs_code" and isinstance(v, int | float) and not isinstance(v, bool):
            row["__hs_number__"] = str(v)
        row[h] = _cell(v)
    if uncomputed:
        row["__formula__"] = uncomputed[0]
    return row


def _read_xlsx(path: Path, sheet_name: str | None) -> Source:
    """The chosen sheet (--sheet NAME, else the active one, as Excel opens the file), read in streaming
    mode. A formula whose value was never computed (the file was written by a program, not saved by
    a spreadsheet) is an error for that row: its cell is not empty, and judging it as empty would be a
    guess."""
    book, formulas, sheet, shadow = _open_sheet(path, sheet_name)
    first = next(sheet.iter_rows(values_only=True, max_row=1, max_col=MAX_XLSX_COLUMNS), ())
    header = check_header([_cell(v) or "" for v in first], path)
    # Data rows are read only as wide as the header: a sparse sheet claiming 16,384 columns (or a
    # stray cell far to the right) costs nothing.
    width = max(len(header), 1)
    it = sheet.iter_rows(values_only=True, min_row=2, max_col=width)
    shadow_it = shadow.iter_rows(values_only=True, min_row=2, max_col=width)

    def rows() -> Iterator[Row]:
        try:
            for n, (values, written) in enumerate(zip(it, shadow_it, strict=False), start=2):
                cells = list(values)
                uncomputed = [
                    h for h, v, w in zip(header, cells, written, strict=False)
                    if h and v is None and isinstance(w, str) and w.startswith("=")
                ]  # fmt: skip
                if not any(v is not None and str(v).strip() for v in cells) and not uncomputed:
                    continue
                yield Row(n, _sheet_row(header, cells, uncomputed))
        finally:
            book.close()
            formulas.close()

    return Source(header, rows(), sheet.title)


def load_documents(path: Path | None) -> dict[str, Document]:
    """The documents file: a `documents:` list as in a manifest (``covers`` is not needed)."""
    if path is None:
        return {}
    from compliance.models.common import Model
    from compliance.reading.loading import load_file

    class DocumentsFile(Model):
        documents: list[Document]

    with collecting_seldom():
        located = load_file(path)
        docs = validate(DocumentsFile, located).documents
    out: dict[str, Document] = {}
    for i, d in enumerate(docs):
        if d.id in out:
            raise InputError(
                f"duplicate document id '{d.id}'",
                file=path,
                line=located.line_of(("documents", i, "id")),
                field=f"documents[{i}].id",
            )
        # (a copy only where needed: a stock's documents file can hold hundreds of thousands)
        out[d.id] = d if d.covers is None else d.model_copy(update={"covers": None})
    return out
