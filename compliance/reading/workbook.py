"""Manifests kept as spreadsheets: a workbook with the sheets `Shipment` (field / value pairs), `Items`
(one row per line item) and `Documents` (one row per document), read into exactly the data a YAML
manifest gives, with the cell of every value (`Items!F7`) so that each error names its cell.

Columns are the manifest's field names (the models' own, so a field added to the model is a column at
once); a document's verifier is two columns, `verifier.name` and `verifier.accreditations`, a tender
is `tender.*` rows of the Shipment sheet; list fields are `;`-separated."""

from __future__ import annotations

import datetime as dt
import hashlib
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from compliance.models.errors import InputError
from compliance.models.manifest import Document, Item, Shipment, Tender, Verifier
from compliance.reading.archive import check_workbook
from compliance.reading.loading import DEFAULT_MAX_BYTES, Located, read_bytes

SHEETS = ("Shipment", "Items", "Documents")
LIST_SEPARATOR = ";"


def _flat(model: type[BaseModel], nested: dict[str, type[BaseModel]]) -> list[str]:
    out: list[str] = []
    for name in model.model_fields:
        if name in nested:
            out += [f"{name}.{sub}" for sub in nested[name].model_fields]
        else:
            out.append(name)
    return out


SHIPMENT_FIELDS = _flat(Shipment, {"tender": Tender})
ITEM_COLUMNS = list(Item.model_fields)
DOCUMENT_COLUMNS = _flat(Document, {"verifier": Verifier})


def annotation_of(model: type[BaseModel], column: str) -> Any:
    """The type behind a column (``verifier.accreditations`` is Verifier's ``accreditations``)."""
    head, _, rest = column.partition(".")
    ann = model.model_fields[head].annotation
    if rest:
        inner = next(a for a in variants(ann) if isinstance(a, type) and issubclass(a, BaseModel))
        return inner.model_fields[rest].annotation
    return ann


def variants(ann: Any) -> tuple[Any, ...]:
    """The types a field may hold (the members of ``X | Y``, or the type itself)."""
    if get_origin(ann) in (Union, types.UnionType):
        return get_args(ann)
    return (ann,)


def is_list(ann: Any) -> bool:
    return any(get_origin(a) is list for a in variants(ann))


def _int_items(ann: Any) -> bool:
    """A list of numbers (GHG scopes 1, 2, 3): its ';'-separated parts are read as integers."""
    for a in variants(ann):
        if get_origin(a) is list:
            (item,) = get_args(a) or (str,)
            values = get_args(item) if get_origin(item) is Literal else ()
            return item is int or (bool(values) and all(isinstance(v, int) for v in values))
    return False


def _cell_text(value: object) -> object:
    """A cell as a manifest value: dates as ISO days, whole numbers as integers, text trimmed."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        return text if text else None
    return value


def _value(model: type[BaseModel], column: str, raw: object, where: str, path: Path) -> object:
    value = _cell_text(raw)
    if value is None:
        return None
    ann = annotation_of(model, column)
    if column == "hs_code" and isinstance(value, int | float) and not isinstance(value, bool):
        raise InputError("written as a number, which may have lost digits; format the cell as text",
                         file=path, line=where, field=column)  # fmt: skip
    if is_list(ann):
        parts = [p.strip() for p in str(value).split(LIST_SEPARATOR) if p.strip()]
        return [int(p) if _int_items(ann) and p.isdigit() else p for p in parts]
    return value


def _rows(sheet: Any, shadow: Any, path: Path) -> Iterator[tuple[int, list[object]]]:
    for n, (values, written) in enumerate(zip(sheet.iter_rows(values_only=True),
                                              shadow.iter_rows(values_only=True), strict=False), start=1):  # fmt: skip
        cells = list(values)
        for c, (v, w) in enumerate(zip(cells, written, strict=False), start=1):
            if v is None and isinstance(w, str) and w.startswith("="):
                raise InputError("the cell holds a formula whose value was never computed; open and save the "
                                 "workbook in a spreadsheet program, or type the value",
                                 file=path, line=f"{sheet.title}!{_col(c)}{n}")  # fmt: skip
        if any(_cell_text(v) is not None for v in cells):
            yield n, cells


def _col(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index))


def _table(sheet: Any, shadow: Any, model: type[BaseModel], columns: list[str], key: str, path: Path,
           lines: dict[tuple[Any, ...], int | str]) -> list[dict[str, Any]]:  # fmt: skip
    rows = list(_rows(sheet, shadow, path))
    name = sheet.title
    lines[(key,)] = f"{name}!A1"
    if not rows:
        return []
    (_, header), body = rows[0], rows[1:]
    names = [str(_cell_text(h) or "") for h in header]
    for c, h in enumerate(names, start=1):
        if h and h not in columns:
            raise InputError(f"unknown column '{h}'; expected some of: {', '.join(columns)}",
                             file=path, line=f"{name}!{_col(c)}1", field=key)  # fmt: skip
    out: list[dict[str, Any]] = []
    for i, (n, cells) in enumerate(body):
        record: dict[str, Any] = {}
        lines[(key, i)] = f"{name}!A{n}"
        for c, (h, raw) in enumerate(zip(names, cells, strict=False), start=1):
            if not h:
                continue
            where = f"{name}!{_col(c)}{n}"
            value = _value(model, h, raw, where, path)
            head, _, sub = h.partition(".")
            lines[(key, i, head, sub) if sub else (key, i, head)] = where
            if value is None:
                continue
            if sub:
                record.setdefault(head, {})[sub] = value
                lines.setdefault((key, i, head), where)
            else:
                record[head] = value
        out.append(record)
    return out


def _shipment(sheet: Any, shadow: Any, path: Path, lines: dict[tuple[Any, ...], int | str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    lines[("shipment",)] = f"{sheet.title}!A1"
    for n, cells in _rows(sheet, shadow, path):
        first = _cell_text(cells[0]) if cells else None
        field = str(first or "")
        if n == 1 and field.lower() in ("field", "trường"):
            continue  # the header row
        if field not in SHIPMENT_FIELDS:
            raise InputError(f"unknown field '{field}'; expected one of: {', '.join(SHIPMENT_FIELDS)}",
                             file=path, line=f"{sheet.title}!A{n}", field="shipment")  # fmt: skip
        where = f"{sheet.title}!B{n}"
        head, _, sub = field.partition(".")
        model: type[BaseModel] = Tender if sub else Shipment
        value = _value(model, sub or head, cells[1] if len(cells) > 1 else None, where, path)
        lines[("shipment", head, sub) if sub else ("shipment", head)] = where
        if value is None:
            continue
        if sub:
            data.setdefault(head, {})[sub] = value
            lines.setdefault(("shipment", head), where)
        else:
            data[head] = value
    return data


def _manifest_data(
    book: Any, shadow: Any, path: Path, lines: dict[tuple[Any, ...], int | str]
) -> dict[str, Any]:
    """The three sheets as a manifest's plain data (``shadow``: the same book with its formulas)."""
    return {
        "shipment": _shipment(book["Shipment"], shadow["Shipment"], path, lines),
        "items": _table(book["Items"], shadow["Items"], Item, ITEM_COLUMNS, "items", path, lines),
        "documents": _table(
            book["Documents"], shadow["Documents"], Document, DOCUMENT_COLUMNS, "documents", path, lines
        ),  # fmt: skip
    }


def load_workbook_manifest(path: Path, *, max_bytes: int | None = DEFAULT_MAX_BYTES) -> Located:
    """The workbook as manifest data, with the cell of every value in place of a line."""
    import openpyxl

    raw = read_bytes(path, max_bytes=max_bytes, limit_hint="raise it with --max-size if the file is genuine")
    check_workbook(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        shadow = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(f"not a readable XLSX workbook ({type(exc).__name__})", file=path) from None
    try:
        missing = [s for s in SHEETS if s not in book.sheetnames]
        if missing:
            raise InputError(
                f"no sheet {', '.join(repr(m) for m in missing)}; a manifest workbook has the sheets "
                f"{', '.join(SHEETS)} (compliance template manifest.xlsx writes one); it has: "
                f"{', '.join(book.sheetnames)}",
                file=path,
            )
        lines: dict[tuple[Any, ...], int | str] = {}
        data = _manifest_data(book, shadow, path, lines)
    finally:
        book.close()
        shadow.close()
    return Located(data=data, path=path, lines=lines, sha256=hashlib.sha256(raw).hexdigest())


# -- the one-sheet form: a CSV file of blocks -----------------------------------------------------


def _blocks(text: str, path: Path) -> dict[str, list[tuple[int, list[str]]]]:
    """A CSV manifest's blocks: a line `[Shipment]`, `[Items]` or `[Documents]` (first cell) opens each,
    and the lines under it are that sheet's rows, with their line numbers."""
    import csv
    import io

    blocks: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        first = row[0].strip() if row else ""
        if first.startswith("[") and first.endswith("]"):
            current = first[1:-1].strip()
            if current not in SHEETS:
                raise InputError(f"unknown block '{first}'; expected [Shipment], [Items] and [Documents]",
                                 file=path, line=n)  # fmt: skip
            if current in blocks:
                raise InputError(f"the block {first} is given twice", file=path, line=n)
            blocks[current] = []
            continue
        if not any(c.strip() for c in row):
            continue
        if current is None:
            raise InputError("a CSV manifest starts with a block line: [Shipment], then [Items] and [Documents]",
                             file=path, line=n)  # fmt: skip
        blocks[current].append((n, row))
    missing = [s for s in SHEETS if s not in blocks]
    if missing:
        raise InputError(f"no block {', '.join(f'[{m}]' for m in missing)}; a CSV manifest has the blocks "
                         "[Shipment], [Items] and [Documents]", file=path)  # fmt: skip
    return blocks


def load_csv_manifest(path: Path, *, max_bytes: int | None = DEFAULT_MAX_BYTES) -> Located:
    """The one-sheet form: the three sheets as blocks of one CSV file; errors name the file's lines."""
    import re

    from openpyxl import Workbook

    from compliance.reading.loading import decode_text

    raw = read_bytes(path, max_bytes=max_bytes, limit_hint="raise it with --max-size if the file is genuine")
    blocks = _blocks(decode_text(raw, path), path)
    book = Workbook()
    line_of: dict[tuple[str, int], int] = {}
    for name in SHEETS:
        sheet = book.create_sheet(name)
        for r, (n, row) in enumerate(blocks[name], start=1):
            line_of[(name, r)] = n
            for c, value in enumerate(row, start=1):
                sheet.cell(row=r, column=c, value=value if value.strip() else None)

    def line(cell: int | str | None) -> int | str | None:
        m = re.fullmatch(r"(\w+)!([A-Z]+)(\d+)", str(cell))
        return line_of.get((m.group(1), int(m.group(3))), 1) if m else cell

    cells: dict[tuple[Any, ...], int | str] = {}
    try:
        data = _manifest_data(book, book, path, cells)
    except InputError as exc:  # a CSV file is read by lines: name the line, not a cell
        raise InputError(exc.message, file=path, line=line(exc.line), field=exc.field) from None
    lines = {loc: line(cell) or 1 for loc, cell in cells.items()}
    return Located(data=data, path=path, lines=lines, sha256=hashlib.sha256(raw).hexdigest())
