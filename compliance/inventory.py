"""Bulk runs: a whole inventory (CSV or XLSX) against several destinations and as-of dates.

Rows stream in and out in input order; every input row yields exactly one output row per
destination, malformed rows included (verdict ``error``, the reason naming the column). Each row is
judged exactly as ``compliance check`` judges a one-item manifest with the same data: the fast path
only remembers results for rows that cannot differ (same machine data, documents, age facts,
destination and day), and remembers engine answers by what the engine is shown.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from compliance.api import CachingEvaluator, Evaluator, check, default_evaluator
from compliance.errors import EngineIntegrityError, InputError, UsageError
from compliance.models.manifest import Document, Item, Manifest, Shipment, manufactured_bounds
from compliance.models.registry import Registry
from compliance.models.report import ItemResult, MissingDocument
from compliance.models.ruleset import Ruleset, rulesets_digest
from compliance.output import publish, temporary_beside
from compliance.validation import validate

REQUIRED_COLUMNS = ("id", "machine_type", "manufactured", "condition")
OPTIONAL_COLUMNS = (
    "hs_code",
    "manufacturer",
    "model",
    "country_of_manufacture",
    "customs_procedure",
    "documents",
)
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


@dataclass
class Summary:
    rows_in: int = 0
    rows_out: int = 0
    by_destination: dict[str, Counter[str]] = field(default_factory=dict)
    changed: int = 0
    #: Which sheet of a workbook was read (said to the user: never a silent guess); None for CSV.
    sheet: str | None = None


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


@dataclass
class Source:
    header: list[str]
    rows: Iterator[Row]
    #: The sheet read, for a workbook.
    sheet: str | None = None


def read_source(path: Path, sheet: str | None = None) -> Source:
    """The header, a stream of rows and, for a workbook, the sheet they come from."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError("file not found", file=path)
    if not path.is_file():
        raise InputError("is not a regular file; expected a CSV or XLSX file", file=path)
    if suffix == ".xlsx":
        return _read_xlsx(path, sheet)
    if sheet is not None:
        raise UsageError("--sheet is for XLSX workbooks; this file is CSV", field="--sheet")
    if suffix in (".csv", ".txt"):
        header, rows = _read_csv(path)
        return Source(header, rows)
    raise UsageError(f"unknown inventory format '{suffix}'; expected .csv or .xlsx", file=path)


def _check_header(header: list[str], path: Path) -> list[str]:
    names = [h.strip() if h else "" for h in header]
    # Trailing empty cells are no column; an empty header between named ones would drop its column.
    while names and not names[-1]:
        names.pop()
    blank = [i + 1 for i, n in enumerate(names) if not n]
    if blank:
        raise InputError(
            f"column {blank[0]} has no name in the header; name it or delete the column", file=path, line=1
        )
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        raise InputError(f"column(s) {', '.join(dupes)} appear twice in the header", file=path, line=1)
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise InputError(
            f"missing required column(s) {', '.join(missing)}; the header has: {', '.join(n for n in names if n)}",
            file=path,
            line=1,
        )
    return names


def _read_csv(path: Path) -> tuple[list[str], Iterator[Row]]:
    fh = path.open(newline="", encoding="utf-8-sig")
    try:
        reader = csv.reader(fh)
        header = _check_header(next(reader, []), path)
    except UnicodeDecodeError:
        fh.close()
        raise InputError("not UTF-8 text; save the file as UTF-8 CSV", file=path) from None
    except BaseException:
        fh.close()
        raise

    def rows() -> Iterator[Row]:
        with fh:
            try:
                for values in reader:
                    if not any(v.strip() for v in values):
                        continue
                    padded = values + [""] * (len(header) - len(values))
                    extra = padded[len(header) :]
                    row = {h: (v.strip() or None) for h, v in zip(header, padded, strict=False) if h}
                    if any(e.strip() for e in extra):
                        row["__extra__"] = "more cells than header columns"
                    yield Row(reader.line_num, row)
            except UnicodeDecodeError:
                raise InputError(
                    "not UTF-8 text; save the file as UTF-8 CSV", file=path, line=reader.line_num + 1
                ) from None
            except csv.Error as exc:
                raise InputError(f"CSV error: {exc}", file=path, line=reader.line_num) from None

    return header, rows()


#: Bounds on a workbook, checked before it is opened: its parts' uncompressed size (a 1 MB file can
#: unpack to gigabytes of shared strings) and the columns a row may have.
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_XLSX_COLUMNS = 1000


def _check_workbook(path: Path) -> list[str]:
    """The workbook's part names, after checking what they unpack to."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError):
        raise InputError("not a readable XLSX workbook (not a zip archive)", file=path) from None
    total = sum(i.file_size for i in parts)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise InputError(
            f"the workbook unpacks to {total:,} bytes, over the limit of {MAX_XLSX_UNCOMPRESSED:,}", file=path
        )
    return [i.filename for i in parts]


def _read_xlsx(path: Path, sheet_name: str | None) -> Source:
    """The chosen sheet (--sheet NAME, else the active one, as Excel opens the file), read in streaming
    mode. A formula whose value was never computed (the file was written by a program, not saved by
    a spreadsheet) is an error for that row: its cell is not empty, and judging it as empty would be a
    guess."""
    import openpyxl

    parts = _check_workbook(path)
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
    first = next(sheet.iter_rows(values_only=True, max_row=1, max_col=MAX_XLSX_COLUMNS), ())
    header = _check_header([_cell(v) or "" for v in first], path)
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
                row: dict[str, str | None] = {}
                for h, v in zip(header, cells, strict=False):
                    if not h:
                        continue
                    if h == "hs_code" and isinstance(v, int | float) and not isinstance(v, bool):
                        row["__hs_number__"] = str(v)
                    row[h] = _cell(v)
                if uncomputed:
                    row["__formula__"] = uncomputed[0]
                yield Row(n, row)
        finally:
            book.close()
            formulas.close()

    return Source(header, rows(), sheet.title)


def load_documents(path: Path | None) -> dict[str, Document]:
    """The documents file: a `documents:` list as in a manifest (``covers`` is not needed)."""
    if path is None:
        return {}
    from compliance.loading import load_file
    from compliance.models.common import Model

    class DocumentsFile(Model):
        documents: list[Document]

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
        out[d.id] = d.model_copy(update={"covers": None})
    return out


# ---------------------------------------------------------------------------------------------
# Judging


class RowError(Exception):
    """A malformed row: its reason names the column."""


def parse_item(row: Row, documents: dict[str, Document]) -> tuple[Item, list[Document]]:
    values = row.values
    if "__extra__" in values:
        raise RowError(f"line {row.line}: more cells than the header has columns")
    if "__formula__" in values:
        raise RowError(
            f"column '{values['__formula__']}': the cell holds a formula whose value was never computed; "
            "open and save the workbook in a spreadsheet program, or type the value"
        )
    if "__hs_number__" in values:
        raise RowError(
            "column 'hs_code': written as a number, which may have lost digits; format the cell as text"
        )
    data = {
        k: v
        for k, v in values.items()
        if k in REQUIRED_COLUMNS + OPTIONAL_COLUMNS and k != "documents" and v is not None
    }
    try:
        item = Item.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        column = str(err["loc"][0]) if err["loc"] else "row"
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "required value is empty"
        raise RowError(f"column '{column}': {msg}") from None
    docs: list[Document] = []
    for ref in (values.get("documents") or "").split(";"):
        ref = ref.strip()
        if not ref:
            continue
        if ref not in documents:
            raise RowError(f"column 'documents': unknown document id '{ref}' (not in the documents file)")
        docs.append(documents[ref])
    # A document named twice in the cell is the same document: shown once (the engine must never see
    # one fact twice in a session).
    return item, list({d.id: d for d in docs}.values())


def item_key(item: Item, docs: list[Document]) -> tuple[object, ...]:
    """Everything a one-item check is given, except the item's id (which no verdict reads): derived
    from the item itself, so that a field a ruleset starts reading can never be left out by hand."""
    return json.dumps(item.model_dump(mode="json", exclude={"id"}), sort_keys=True), tuple(d.id for d in docs)


def outcome_of(result: ItemResult, missing: list[MissingDocument]) -> Outcome:
    """The row cells for one judged item (formatting only; the verdicts come from check)."""
    reasons: list[str] = []
    for f in result.findings:
        reasons.append(f"{f.id}: {f.message}")
    for rs in result.rulesets:
        if not rs.applies:
            continue
        if rs.reason:
            reasons.append(f"{rs.ruleset}: {rs.reason}")
        for req in rs.requirements:
            if req.status != "satisfied" and req.severity == "blocking":
                reasons.append(f"{rs.ruleset}/{req.id} {req.status}: {req.message}")
    docs = [
        f"{' or '.join(m.document_types) or m.document_type} ({m.ruleset}/{m.requirement}, {m.status})"
        for m in missing
        if m.severity == "blocking"
    ]
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

    def __post_init__(self) -> None:
        # Once per run, not per row.
        self.rulesets_sha256 = rulesets_digest(self.rulesets)
        inner = self.evaluator or default_evaluator()
        self.evaluator = CachingEvaluator(inner) if self.fast else inner

    def judge_one(
        self, item: Item, docs: list[Document], destination: str, day: dt.date, known: tuple[object, ...]
    ) -> Outcome:
        earliest, _ = manufactured_bounds(item.manufactured)
        if earliest > day:
            raise RowError(
                f"column 'manufactured': {item.manufactured} is after the as-of date {day.isoformat()}"
            )
        key = (*known, destination, day) if self.fast else None
        if key is not None and key in self.results:
            return self.results[key]
        shipment = Shipment.model_construct(
            id=item.id, origin="", destination=destination, arrival_date=day, tender=None,
            exporter=None, importer=None, vessel=None, importer_registration=None,
        )  # fmt: skip
        manifest = Manifest.model_construct(shipment=shipment, items=[item], documents=docs)
        report = check(
            manifest, self.rulesets, self.registry, as_of=day, evaluator=self.evaluator, with_upcoming=False,
            rulesets_sha256=self.rulesets_sha256,
        )  # fmt: skip
        outcome = outcome_of(report.items[0], report.missing_documents)
        if key is not None:
            self.results[key] = outcome
        return outcome

    def judge_row(self, row: Row) -> list[dict[str, str]]:
        """One output row per destination, whatever happens."""
        out: list[dict[str, str]] = []
        try:
            item, docs = parse_item(row, self.documents)
        except RowError as exc:
            item, docs, error = None, [], str(exc)
        else:
            error = ""
        # The item's part of the cache key, once per row (not per destination and day).
        known = item_key(item, docs) if item is not None and self.fast else ()
        for destination in self.destinations:
            cells: dict[str, str] = {"id": row.values.get("id") or "", "destination": destination}
            outcomes: list[Outcome] = []
            row_error = error
            if item is not None:
                try:
                    outcomes = [self.judge_one(item, docs, destination, day, known) for day in self.days]
                except RowError as exc:
                    row_error = str(exc)
            if row_error:
                cells.update(verdict="error", missing_documents="", reasons=row_error)
                if len(self.days) > 1:
                    cells.update({f"verdict@{d.isoformat()}": "error" for d in self.days}, changes="")
            else:
                # The first date (now) decides the verdict column: filtering "clear" must show what can
                # ship now, never what clears only on a later date. Each date keeps its own column.
                first = outcomes[0]
                cells.update(
                    verdict=first.verdict, missing_documents=first.missing_documents, reasons=first.reasons
                )
                if len(self.days) > 1:
                    verdicts = [o.verdict for o in outcomes]
                    cells.update(
                        {f"verdict@{d.isoformat()}": v for d, v in zip(self.days, verdicts, strict=True)}
                    )
                    cells["changes"] = " -> ".join(verdicts) if len(set(verdicts)) > 1 else ""
            out.append(cells)
        return out


# ---------------------------------------------------------------------------------------------
# Writing


_ILLEGAL_IN_XLSX = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: str) -> str:
    """Prefix a quote to cells a spreadsheet would run as a formula (OWASP CSV injection), and show
    control characters (which XLSX cannot hold and a terminal would act on) as visible escapes."""
    value = _ILLEGAL_IN_XLSX.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return "'" + value if value.startswith(FORMULA_START) else value


class Writer:
    def __init__(self, path: Path | None, columns: list[str]) -> None:
        self.path = path
        self.columns = columns
        self.kind = (
            "csv"
            if path is None
            else {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl"}.get(path.suffix.lower(), "")
        )
        if not self.kind:
            raise UsageError(
                f"unknown output format '{path.suffix if path else ''}'; use .csv, .xlsx or .jsonl",
                field="--output",
            )
        self.tmp: str | None = None
        self.fh: IO[str] | None = None
        self.book: Any = None
        if path is not None:
            self.tmp = temporary_beside(path)
        if self.kind == "xlsx":
            import openpyxl

            self.book = openpyxl.Workbook(write_only=True)
            self.sheet = self.book.create_sheet("verdicts")
            # Headers come from the user's file too: a header "=HYPERLINK(...)" must stay text.
            self.sheet.append([neutralise(c) for c in columns])
        else:
            import sys

            self.fh = open(self.tmp, "w", newline="", encoding="utf-8") if self.tmp else sys.stdout  # noqa: SIM115
            if self.kind == "csv":
                self.csv = csv.writer(self.fh)
                self.csv.writerow([neutralise(c) for c in columns])

    def write(self, cells: dict[str, str]) -> None:
        if self.kind == "jsonl":
            assert self.fh is not None
            self.fh.write(json.dumps({c: cells.get(c, "") for c in self.columns}, ensure_ascii=False) + "\n")
            return
        values = [neutralise(cells.get(c, "") or "") for c in self.columns]
        if self.kind == "csv":
            self.csv.writerow(values)
        else:
            self.sheet.append(values)

    def commit(self) -> None:
        if self.kind == "xlsx":
            self.book.save(self.tmp)
        elif self.tmp and self.fh is not None:
            self.fh.close()
        if self.tmp and self.path is not None:
            publish(self.tmp, self.path)
            self.tmp = None

    def abort(self) -> None:
        if self.fh is not None and self.tmp:
            self.fh.close()
        if self.tmp:
            Path(self.tmp).unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Running

_WORKER: Judge | None = None


def _work(chunk: list[Row]) -> list[list[dict[str, str]]]:
    assert _WORKER is not None
    return [_WORKER.judge_row(r) for r in chunk]


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run(
    inventory: Path,
    judge: Judge,
    output: Path | None,
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    sheet: str | None = None,
) -> Summary:
    """Judge every row, writing as it goes; the counts in and out are checked before success."""
    global _WORKER
    source = read_source(inventory, sheet)
    header, rows = source.header, source.rows
    carried = [h for h in header if h and h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    columns = list(OUTPUT_COLUMNS) + carried
    if len(judge.days) > 1:
        columns += [f"verdict@{d.isoformat()}" for d in judge.days] + ["changes"]
    summary = Summary(by_destination={d: Counter() for d in judge.destinations}, sheet=source.sheet)
    writer = Writer(output, columns)
    try:
        chunks = _chunks(_counted(rows, summary), CHUNK)
        for chunk, results in _evaluate(chunks, judge, workers):
            for row, outs in zip(chunk, results, strict=True):
                if len(outs) != len(judge.destinations):
                    raise AssertionError(f"row at line {row.line} gave {len(outs)} outputs")
                for cells in outs:
                    cells.update({c: row.values.get(c) or "" for c in carried})
                    writer.write(cells)
                    summary.rows_out += 1
                    summary.by_destination[cells["destination"]][cells["verdict"]] += 1
                    if cells.get("changes"):
                        summary.changed += 1
            if progress:
                progress(summary.rows_in)
        expected = summary.rows_in * len(judge.destinations)
        if summary.rows_out != expected:
            raise AssertionError(
                f"{summary.rows_in} rows in x {len(judge.destinations)} destinations, {summary.rows_out} out"
            )
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        _WORKER = None
    return summary


def _counted(rows: Iterator[Row], summary: Summary) -> Iterator[Row]:
    for r in rows:
        summary.rows_in += 1
        yield r


def _evaluate(
    chunks: Iterator[list[Row]], judge: Judge, workers: int
) -> Iterator[tuple[list[Row], list[list[dict[str, str]]]]]:
    global _WORKER
    _WORKER = judge
    if workers <= 1:
        for chunk in chunks:
            yield chunk, _work(chunk)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Fork: each worker inherits the judge (rulesets, registry, documents) and builds its own engine
    # host and caches. At most 2 chunks per worker are in flight, so memory stays flat. A worker that
    # dies (a fault in the C engine) breaks the pool: the run fails (exit 70), it never hangs.
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        pending: deque[tuple[list[Row], Future[list[list[dict[str, str]]]]]] = deque()
        try:
            for chunk in chunks:
                pending.append((chunk, pool.submit(_work, chunk)))
                while len(pending) >= 2 * workers:
                    done_chunk, result = pending.popleft()
                    yield done_chunk, result.result()
            while pending:
                done_chunk, result = pending.popleft()
                yield done_chunk, result.result()
        except BrokenProcessPool:
            raise EngineIntegrityError(
                "a worker process died while judging rows; no output was written"
            ) from None
        finally:
            for _, future in pending:
                future.cancel()
