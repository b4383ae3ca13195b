"""Inventories as Parquet files, in and out (pyarrow, the `parquet` extra).

A marketplace's stock of millions of listings is kept as a table, not as text: Parquet is read column
by column, a batch of rows at a time, and written the same way. A Parquet inventory is read into the
same cells as its CSV export would give (text), so that it is judged exactly like the CSV; a column
whose type would lose what the user meant (an HS code stored as a number has lost its leading zero,
and 8457.10 reads as 8457.1) is refused before any row is judged. A row's "line" is its place in the
table counted as in that CSV export: the header is line 1, the first row line 2.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from compliance.models.errors import InputError, UsageError

#: Columns whose values are codes: stored as numbers they have lost what they were.
_TEXT_ONLY = ("hs_code", "documents")
#: At most this many columns (a table with more is not an inventory, and each is read).
MAX_COLUMNS = 1000
#: Rows written to the output file at once (one row group each).
_BATCH = 20_000
#: Rows decoded at once when reading.
_READ_BATCH = 128
#: The longest cell, in bytes: a CSV field's limit (Python's csv module refuses longer ones). Parquet
#: compresses a long repeated text to almost nothing: without a limit, a small file could unpack
#: into gigabytes of cells.
MAX_CELL = 131_072


def _pyarrow(file: Path | str) -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise UsageError(
            "reading or writing Parquet needs pyarrow: pip install 'compliance[parquet]'", file=file
        ) from None
    return pyarrow


def _cell(value: object) -> str:
    """A value as its CSV export writes it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # the documents column as a list of ids (checked with the schema)
        return ";".join(v for v in value if v)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        # A manufacture day stored as a timestamp: its day (a time of day is no part of it).
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 2019.0 is the year 2019, as a spreadsheet shows it
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def _one_line(exc: BaseException) -> str:
    """pyarrow's message on one line (its decoders' messages span several)."""
    return " ".join(str(exc).split())


def _is_text(pa: Any, kind: Any) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _is_list_of_text(pa: Any, kind: Any) -> bool:
    return bool((pa.types.is_list(kind) or pa.types.is_large_list(kind)) and _is_text(pa, kind.value_type))


def read_parquet(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the rows as (line, cells), streamed a batch at a time."""
    from compliance.inventory.header import check_header

    pa = _pyarrow(path)
    try:
        table = pa.parquet.ParquetFile(path)
        schema = table.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"not a readable Parquet file ({_one_line(exc)})", file=path) from None
    if len(schema) > MAX_COLUMNS:
        raise InputError(
            f"the table has {len(schema):,} columns, over the limit of {MAX_COLUMNS:,}", file=path
        )
    header = check_header([f.name for f in schema], path)
    for name, field in zip(header, schema, strict=False):
        kind = field.type
        if name == "documents" and _is_list_of_text(pa, kind):
            continue  # the document ids as a list: joined with ';', as the CSV column holds them
        if pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            raise InputError(
                f"column '{name}' is stored as {kind}; expected text, numbers or dates", file=path
            )
        if name in _TEXT_ONLY and not (_is_text(pa, kind) or pa.types.is_null(kind)):
            raise InputError(
                f"column '{name}' is stored as {kind}; store it as text (string), so that no digit is lost",
                file=path,
            )

    def rows() -> Iterator[tuple[int, list[str]]]:
        line = 1
        try:
            # Small batches: a batch's cells are decoded before they can be measured, so what a
            # hostile file can make the reader hold is this many of its longest cells.
            for batch in table.iter_batches(batch_size=_READ_BATCH):
                _check_cells(pa, header, batch, path, line)
                columns = [column.to_pylist() for column in batch.columns]
                for values in zip(*columns, strict=True):
                    line += 1
                    try:
                        cells = [_cell(v) for v in values]
                    except TypeError as exc:
                        raise InputError(f"a value of type {exc} cannot be read as a cell", file=path,
                                         line=line) from None  # fmt: skip
                    if "".join(cells).strip():  # a row of empty cells is no row, as in the CSV
                        yield line, cells
        except (pa.ArrowException, OSError, ValueError) as exc:  # a damaged page: decoding fails
            raise InputError(
                f"the Parquet file is damaged from this row on ({_one_line(exc)})", file=path, line=line + 1
            ) from None

    return header, rows()


def _check_cells(pa: Any, header: list[str], batch: Any, path: Path, line: int) -> None:
    """No cell of the batch (whose first row is on ``line`` + 1) longer than `MAX_CELL`, checked on
    the columns before any cell becomes a Python string."""
    import pyarrow.compute as pc

    for name, column in zip(header, batch.columns, strict=False):
        if pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        kind = column.type
        if _is_list_of_text(pa, kind):
            texts = pc.list_flatten(column)
            if len(texts) and (pc.max(pc.binary_length(texts)).as_py() or 0) > MAX_CELL:
                # The ids joined make the cell; the row named is the first with one id that long.
                rows = column.to_pylist()
                at = next(
                    i for i, ids in enumerate(rows) if any(len(v.encode()) > MAX_CELL for v in ids or [])
                )
                raise _too_long(name, path, line + at + 1)
            continue
        if not _is_text(pa, kind):
            continue
        lengths = pc.binary_length(column)
        if (pc.max(lengths).as_py() or 0) > MAX_CELL:
            at = pc.index(pc.greater(lengths, MAX_CELL), True).as_py()
            raise _too_long(name, path, line + at + 1)


def _too_long(name: str, path: Path, line: int) -> InputError:
    return InputError(f"column '{name}': a cell longer than {MAX_CELL:,} bytes (a CSV field's limit)",
                      file=path, line=line)  # fmt: skip


class ParquetTable:
    """The verdicts as a Parquet file: every column text, in the CSV's order, a row group per batch."""

    def __init__(self, columns: list[str], path: str) -> None:
        self.pa = _pyarrow(path)
        self.columns = columns
        self.schema = self.pa.schema([(c, self.pa.string()) for c in columns])
        self.pending: list[dict[str, str]] = []
        self.path = path
        self.writer: Any = self.pa.parquet.ParquetWriter(path, self.schema, compression="zstd")

    def append(self, cells: dict[str, str]) -> None:
        self.pending.append(cells)
        if len(self.pending) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        rows = self.pending
        self.pending = []
        arrays = [self.pa.array([r.get(c, "") or "" for r in rows], self.pa.string()) for c in self.columns]
        self.writer.write_batch(self.pa.RecordBatch.from_arrays(arrays, schema=self.schema))

    def save(self, path: str, summary: list[list[Any]]) -> None:
        """Written whole (``summary`` is for workbooks: a table's readers count its verdicts)."""
        self._flush()
        assert path == self.path
        self.writer.close()

    def abort(self) -> None:
        self.writer.close()
