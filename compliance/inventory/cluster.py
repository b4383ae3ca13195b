"""Inventory partitions on a Dask distributed cluster (`compliance inventory --scheduler tcp://...`).

Each partition of rows is judged by the same code as the local run (`Judge.judge_chunk`), in a worker
process that builds its judge once from the run's settings (sent to every worker once). Results come
back in input order, so the output is byte-identical to a local run. A worker that dies mid-run loses
nothing: Dask runs its partitions again on another worker, and the counts are checked at the end as
always. No home-made scheduler: Dask's does the placing, retrying and data moving."""

from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Iterator
from typing import Any

from compliance.inventory.judge import Judge
from compliance.inventory.model import Judged, Layout
from compliance.inventory.read import Chunk
from compliance.models.errors import UsageError

#: Judges built in this worker process, by run: a worker serves partitions of several runs.
_JUDGES: dict[str, Judge] = {}


def judge_partition(run_id: str, settings: dict[str, Any], chunk: Chunk, layout: Layout) -> Judged:
    """Runs on a worker: the partition judged as a local worker judges a chunk."""
    judge = _JUDGES.get(run_id)
    if judge is None:
        judge = _JUDGES[run_id] = Judge(**settings)
    return judge.judge_chunk(chunk, layout)


def settings_of(judge: Judge) -> dict[str, Any]:
    """What a worker needs to build the same judge (plain, picklable models: no engine, no caches)."""
    return {
        "rulesets": judge.rulesets, "registry": judge.registry, "documents": judge.documents,
        "destinations": judge.destinations, "days": judge.days, "fast": judge.fast, "decisions": judge.decisions,
        "by_columns": judge.by_columns,
    }  # fmt: skip


def evaluate(
    chunks: Iterator[Chunk], judge: Judge, layout: Layout, scheduler: str
) -> Iterator[tuple[int, Judged]]:
    """The chunks judged on the cluster at ``scheduler``, yielded in input order; at most two
    partitions per worker thread are in flight, so memory stays flat however long the input."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(
            "--scheduler needs Dask: pip install 'compliance[cluster]'", field="--scheduler"
        ) from None
    try:
        client = Client(scheduler, timeout=30, set_as_default=False)
    except OSError as exc:
        raise UsageError(
            f"cannot reach the Dask scheduler at {scheduler}: {exc}", field="--scheduler"
        ) from None
    try:
        run_id = secrets.token_hex(8)
        [settings] = client.scatter([settings_of(judge)], broadcast=True)
        slots = max(2 * sum(client.nthreads().values()), 2)
        pending: deque[tuple[int, Any]] = deque()
        for chunk in chunks:
            future = client.submit(judge_partition, run_id, settings, chunk, layout, pure=False)
            pending.append((len(chunk), future))
            while len(pending) >= slots:
                size, future = pending.popleft()
                yield size, future.result()
        while pending:
            size, future = pending.popleft()
            yield size, future.result()
    finally:
        client.close()
