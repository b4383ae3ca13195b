"""Fewer garbage collections while a large input is loaded or judged.

Loading a documents file or judging an inventory makes millions of short-lived objects and keeps a
large set that does not change (rulesets, documents, judged parts). With Python's default
thresholds the collector scans the kept set again and again: half the time of loading a 21,000-
document file, a fifth of judging a dealer's stock (measured with the collector off and tuned,
`bench/README.md`). Young objects are instead collected every 50,000 allocations, not every 700;
nothing else changes, and the thresholds are restored afterwards.

A command that ends when its work ends (`compliance inventory`) sets them for the rest of its
process instead (`collect_seldom_until_exit`): restoring the default thresholds after a load or a
run makes the next allocation collect all the young objects left since the last collection (up to a
million after a stock's run), a collection whose memory is given back at exit anyway.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The server runs loads and inventory jobs in several threads at once: the first to enter saves
#: the process's thresholds, the last to leave restores them (whatever the order they leave in).
_LOCK = threading.Lock()
_INSIDE = 0
_SAVED: tuple[int, ...] = ()


#: Young objects collected every this many allocations; the older generations as by default, but
#: half as often for the middle one and ten times less for the oldest.
_SELDOM = (50_000, 20, 100)


def collect_seldom_until_exit() -> None:
    """For a process that ends when its command ends: the seldom thresholds from now on (a later
    `collecting_seldom` then saves and restores these, collecting nothing when it leaves)."""
    gc.set_threshold(*_SELDOM)


@contextmanager
def collecting_seldom(*, freeze: bool = False) -> Iterator[None]:
    """``freeze``: also keep what exists now out of the collector's scans (the run's rulesets and
    documents; worker processes forked inside inherit that, and the pages stay shared)."""
    global _INSIDE, _SAVED
    with _LOCK:
        if _INSIDE == 0:
            _SAVED = gc.get_threshold()
            gc.set_threshold(*_SELDOM)
        _INSIDE += 1
        if freeze:
            gc.freeze()
    try:
        yield
    finally:
        with _LOCK:
            _INSIDE -= 1
            if _INSIDE == 0:
                gc.set_threshold(*_SAVED)
                gc.unfreeze()
