"""Fewer garbage collections while a large input is loaded or judged.

Loading a documents file or judging an inventory makes millions of short-lived objects and keeps a
large set that does not change (rulesets, documents, judged parts). With Python's default
thresholds the collector scans the kept set again and again: half the time of loading a 21,000-
document file, a fifth of judging a dealer's stock (measured with the collector off and tuned,
`bench/README.md`). Young objects are instead collected every 50,000 allocations, not every 700;
nothing else changes, and the thresholds are restored afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collecting_seldom(*, freeze: bool = False) -> Iterator[None]:
    """``freeze``: also keep what exists now out of the collector's scans (the run's rulesets and
    documents; worker processes forked inside inherit that, and the pages stay shared)."""
    thresholds = gc.get_threshold()
    if freeze:
        gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freeze:
            gc.unfreeze()
