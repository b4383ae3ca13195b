"""Running an inventory: rows streamed through one or more worker processes, counts checked."""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from compliance.inventory.cells import coverage_cells
from compliance.inventory.judge import Judge
from compliance.inventory.model import (
    CHUNK,
    OPTIONAL_COLUMNS,
    OUTPUT_COLUMNS,
    REQUIRED_COLUMNS,
    Judged,
    Layout,
    Summary,
)
from compliance.inventory.read import Chunk, read_source
from compliance.inventory.write import MACHINE_COLUMNS, Writer
from compliance.judging.coverage import coverage
from compliance.models.errors import EngineIntegrityError
from compliance.reading.collecting import collecting_seldom
from compliance.reading.inputs import shipped_not_judged

# ---------------------------------------------------------------------------------------------
# Running

_WORKER: Judge | None = None


def _work(chunk: Chunk, layout: Layout) -> Judged:
    assert _WORKER is not None
    return _WORKER.judge_chunk(chunk, layout)


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
    header = source.header
    carried = [h for h in header if h and h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    columns = list(OUTPUT_COLUMNS) + carried
    if len(judge.days) > 1:
        columns += [f"verdict@{d.isoformat()}" for d in judge.days] + ["changes"]
    summary = Summary(by_destination={d: Counter() for d in judge.destinations}, sheet=source.sheet)
    topics = shipped_not_judged()
    summary.coverage = {
        (d, day): coverage(judge.rulesets, d, day, topics) for d in judge.destinations for day in judge.days
    }
    writer = Writer(output, columns)
    # A workbook also keeps the machine's own columns (a sheet people filter and read).
    machine = [c for c in MACHINE_COLUMNS if c not in columns] if writer.kind == "xlsx" else []
    layout = Layout(writer.kind, (*columns, *machine), tuple(carried), (*carried, *machine))
    try:
        chunks = _counted(source.chunks(CHUNK), summary)
        if scheduler is not None:
            from compliance.inventory.cluster import evaluate

            judged = evaluate(chunks, judge, layout, scheduler)
        else:
            judged = _evaluate(chunks, judge, layout, workers)
        with collecting_seldom(freeze=True):
            matched = _gather(judged, judge, writer, summary, progress)
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


def _gather(
    judged: Iterator[tuple[int, Judged]],
    judge: Judge,
    writer: Writer,
    summary: Summary,
    progress: Callable[[int], None] | None,
) -> set[str]:
    """Writes the chunks as they come back, in input order, and adds up their counts; returns the
    decisions that matched."""
    matched: set[str] = set()
    for sent, result in judged:
        # Each chunk is checked as it comes back: every row in gave one row per destination.
        if result.rows_in != sent or result.rows_out != sent * len(judge.destinations):
            raise AssertionError(
                f"{sent} rows sent x {len(judge.destinations)} destinations: {result.rows_in} rows "
                f"judged, {result.rows_out} out"
            )
        writer.write_blocks(result.blocks)
        matched.update(result.matched)
        summary.parts_judged += result.parts
        summary.rows_out += result.rows_out
        summary.changed += result.changed
        for (destination, i, verdict), n in result.verdicts.items():
            if i == 0:
                summary.by_destination[destination][verdict] += n
            else:
                summary.later[(destination, judge.days[i])][verdict] += n
        if progress:
            progress(summary.rows_in)
    return matched


def summary_table(summary: Summary, days: list[dt.date]) -> list[list[Any]]:
    """The summary sheet: rows per destination and date, by verdict (the first date is the verdict column)."""
    verdicts = ("clear", "review", "hold", "error")
    table: list[list[Any]] = [["destination", "as of", *verdicts, "rows", "judged by", "not judged"]]
    for dest, counts in summary.by_destination.items():
        per_day = [(days[0], counts), *((d, summary.later[(dest, d)]) for d in days[1:])]
        for day, c in per_day:
            judged, not_judged = coverage_cells(summary.coverage[(dest, day)])
            table.append(
                [dest, day, *(c[v] for v in verdicts), sum(c[v] for v in verdicts), judged, not_judged]
            )
    return table


def _counted(chunks: Iterator[Chunk], summary: Summary) -> Iterator[Chunk]:
    for chunk in chunks:
        summary.rows_in += len(chunk)
        yield chunk


def _evaluate(
    chunks: Iterator[Chunk], judge: Judge, layout: Layout, workers: int
) -> Iterator[tuple[int, Judged]]:
    """Each chunk's size and its rows judged, in input order."""
    global _WORKER
    _WORKER = judge
    if workers <= 1:
        for chunk in chunks:
            yield len(chunk), _work(chunk, layout)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Fork: each worker inherits the judge (rulesets, registry, documents) and builds its own engine
    # host and caches. Whole chunks go to whichever worker is free: the workers' caches end up alike
    # (a stock's joined rows depend on what the rules read of a machine, not on its model series),
    # so routing rows by series saved no work and cost the parent a third of its time (measured,
    # `bench/README.md`). At most two chunks per worker are in flight, so memory stays flat. A worker
    # that dies (a fault in the C engine) breaks the pool: the run fails (exit 70), it never hangs.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    pending: deque[tuple[int, Future[Judged]]] = deque()
    try:
        for chunk in chunks:
            pending.append((len(chunk), pool.submit(_work, chunk, layout)))
            while len(pending) > 2 * workers:
                size, future = pending.popleft()
                yield size, future.result()
        while pending:
            size, future = pending.popleft()
            yield size, future.result()
    except BrokenProcessPool:
        raise EngineIntegrityError(
            "a worker process died while judging rows; no output was written"
        ) from None
    finally:
        for _, future in pending:
            future.cancel()
        pool.shutdown(cancel_futures=True)
