"""Rows routed to worker processes by model series, so that each process judges each part once.

Every worker process keeps the parts it has judged (`compliance.inventory.parts`). Chunks handed
to whichever process is free make both processes judge nearly every part of a dealer's stock, the
same work twice. A row is instead sent to the process that its model series (machine type, HS
code, manufacturer and model: what its parts mostly depend on) is routed to, by hash: a series is
judged in one process. A chunk is split accordingly and its rows are put back in input order when
both halves return, so the output is the same whatever the routing.

A stock of few series, or one dominated by a single series, would load one process alone: no
process is given more than its share of a chunk plus a tenth. Whole series move to the lightest
process, the smallest first; a series too large for one process is split (it is then judged in
both, which costs little: one series has few parts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from operator import itemgetter

from compliance.inventory.model import Block, Judged, Row
from compliance.inventory.read import Chunk, Lines

#: The columns a row's lane is chosen by.
SERIES = ("machine_type", "hs_code", "manufacturer", "model")


def _keys(chunk: Chunk) -> list[object]:
    if isinstance(chunk, Lines):
        where = [chunk.header.index(c) for c in SERIES if c in chunk.header]
        if not where:
            return [None] * len(chunk)
        cells_of = itemgetter(*where)  # a tuple of the cells (or the one cell), made in C
        width = max(where) + 1
        return [cells_of(cells) if len(cells) >= width else None for cells in chunk.cells]
    return [tuple(r.values.get(c) for c in SERIES) for r in chunk]


def split(chunk: Chunk, lanes: int) -> list[tuple[list[int], Chunk]]:
    """Per lane: the positions in ``chunk`` of the rows sent to it, and those rows."""
    groups: dict[object, list[int]] = {}
    for position, key in enumerate(_keys(chunk)):
        groups.setdefault(key, []).append(position)
    members: list[list[list[int]]] = [[] for _ in range(lanes)]
    for key, positions in groups.items():
        members[hash(key) % lanes].append(positions)
    _even_out(members, cap=-(-len(chunk) * 11 // (10 * lanes)))  # a lane's share, plus a tenth
    out: list[tuple[list[int], Chunk]] = []
    for lane in members:
        positions = sorted(p for group in lane for p in group)
        out.append((positions, _take(chunk, positions)))
    return out


def _even_out(members: list[list[list[int]]], cap: int) -> None:
    """Moves series from lanes over ``cap`` rows to the lightest lane, smallest series first, whole
    where they fit; a series too large for any lane is split."""

    def load(lane: int) -> int:
        return sum(len(g) for g in members[lane])

    while True:
        heavy = max(range(len(members)), key=load)
        if load(heavy) <= cap:
            return
        light = min(range(len(members)), key=load)
        room = cap - load(light)
        fitting = [g for g in members[heavy] if len(g) <= room]
        if fitting:
            group = min(fitting, key=len)
            members[heavy].remove(group)
            members[light].append(group)
        else:  # the smallest series does not fit whole: its last rows move
            group = min(members[heavy], key=len)
            moved = min(load(heavy) - cap, room)
            members[light].append(group[-moved:])
            del group[-moved:]


def _take(chunk: Chunk, positions: list[int]) -> Chunk:
    if isinstance(chunk, Lines):
        return Lines(chunk.header, [chunk.lines[p] for p in positions], [chunk.cells[p] for p in positions])
    rows: list[Row] = [chunk[p] for p in positions]
    return rows


def merge(size: int, parts: Sequence[tuple[list[int], Judged]]) -> Judged:
    """The lanes' results for one chunk as one, each row's output back at its input position."""
    placed: list[Block | None] = [None] * size
    merged = Judged(blocks=[], rows_in=0, rows_out=0, verdicts=Counter(), changed=0, matched=[], parts=0)
    matched: set[str] = set()
    for positions, judged in parts:
        if len(judged.blocks) != len(positions):
            raise AssertionError(
                f"a lane judged {len(judged.blocks)} rows of the {len(positions)} sent to it"
            )
        for p, block in zip(positions, judged.blocks, strict=True):
            placed[p] = block
        merged.rows_in += judged.rows_in
        merged.rows_out += judged.rows_out
        merged.verdicts.update(judged.verdicts)
        merged.changed += judged.changed
        merged.parts += judged.parts
        matched.update(judged.matched)
    merged.blocks = [b for b in placed if b is not None]
    if len(merged.blocks) != size:
        raise AssertionError("a row of the chunk came back from no lane")
    merged.matched = sorted(matched)
    return merged
