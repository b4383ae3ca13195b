"""Running an inventory: rows streamed through one or more worker processes, counts checked."""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from compliance.errors import EngineIntegrityError
from compliance.inventory.judge import Judge, Results
from compliance.inventory.model import CHUNK, OPTIONAL_COLUMNS, OUTPUT_COLUMNS, REQUIRED_COLUMNS, Row, Summary
from compliance.inventory.read import read_source
from compliance.inventory.write import MACHINE_COLUMNS, Writer

# ---------------------------------------------------------------------------------------------
# Running

_WORKER: Judge | None = None


def _work(chunk: list[Row]) -> Results:
    assert _WORKER is not None
    return _WORKER.judge_chunk(chunk)


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
    scheduler: str | None = None,
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
        matched: set[str] = set()
        if scheduler is not None:
            from compliance.inventory.cluster import evaluate

            judged = evaluate(chunks, judge, scheduler)
        else:
            judged = _evaluate(chunks, judge, workers)
        for chunk, (results, seen, parts) in judged:
            matched.update(seen)
            summary.parts_judged += parts
            for row, outs in zip(chunk, results, strict=True):
                if len(outs) != len(judge.destinations):
                    raise AssertionError(f"row at line {row.line} gave {len(outs)} outputs")
                for cells in outs:
                    cells.update({c: row.values.get(c) or "" for c in (*carried, *MACHINE_COLUMNS)})
                    writer.write(cells)
                    summary.rows_out += 1
                    summary.by_destination[cells["destination"]][cells["verdict"]] += 1
                    for day in judge.days[1:]:
                        summary.later[(cells["destination"], day)][cells[f"verdict@{day.isoformat()}"]] += 1
                    if cells.get("changes"):
                        summary.changed += 1
            if progress:
                progress(summary.rows_in)
        expected = summary.rows_in * len(judge.destinations)
        if summary.rows_out != expected:
            raise AssertionError(
                f"{summary.rows_in} rows in x {len(judge.destinations)} destinations, {summary.rows_out} out"
            )
        summary.decisions_unused = [d.id for d in judge.decisions if d.id not in matched]
        writer.summary = summary_table(summary, judge.days)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        _WORKER = None
    return summary


def summary_table(summary: Summary, days: list[dt.date]) -> list[list[Any]]:
    """The summary sheet: rows per destination and date, by verdict (the first date is the verdict column)."""
    verdicts = ("clear", "review", "hold", "error")
    table: list[list[Any]] = [["destination", "as of", *verdicts, "rows"]]
    for dest, counts in summary.by_destination.items():
        per_day = [(days[0], counts), *((d, summary.later[(dest, d)]) for d in days[1:])]
        for day, c in per_day:
            table.append([dest, day, *(c[v] for v in verdicts), sum(c[v] for v in verdicts)])
    return table


def _counted(rows: Iterator[Row], summary: Summary) -> Iterator[Row]:
    for r in rows:
        summary.rows_in += 1
        yield r


def _evaluate(chunks: Iterator[list[Row]], judge: Judge, workers: int) -> Iterator[tuple[list[Row], Results]]:
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
        pending: deque[tuple[list[Row], Future[Results]]] = deque()
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
