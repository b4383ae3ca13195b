"""A CSV chunk's cells by column: stripped as a row gives them (`column`), or as written, keyed for
numbering (`as_written`, `Numbered`). Taken from the rows in C (``map`` and ``itemgetter``), not a
Python step per row and column: a chunk's rows are read this way several times."""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter

from compliance.inventory.read import Lines


def column(chunk: Lines, name: str) -> list[str | None]:
    """A column's cells as a row gives them (`read.csv_row`): stripped, blank as None (a header names
    a column once)."""
    if name not in chunk.header:
        return [None] * len(chunk)
    j = chunk.header.index(name)
    try:
        raw = list(map(itemgetter(j), chunk.cells))  # (in C: a row's cell, not a Python step per row)
    except IndexError:  # a row shorter than the header
        return [(c[j].strip() or None) if j < len(c) else None for c in chunk.cells]
    return [v.strip() or None for v in raw]


def as_written(chunk: Lines, names: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Per row, its cells of those of ``names`` that the header has, as written (not stripped; a short
    row's missing cells are ""): the keys rows' cells are numbered under. Taken in C, not a Python
    step per row and column."""
    width = len(chunk.header)
    cells = chunk.cells
    if min(map(len, cells), default=width) < width:
        cells = [c if len(c) >= width else c + [""] * (width - len(c)) for c in cells]
    where = [chunk.header.index(c) for c in names if c in chunk.header]
    if not where:
        return [()] * len(cells)
    if len(where) == 1:
        return list(zip(map(itemgetter(where[0]), cells), strict=True))
    return list(map(itemgetter(*where), cells))


class Numbered(dict[tuple[str, ...], int]):
    """Cells as written -> their number, a new one numbered by ``number`` (looked up in C, per row)."""

    def __init__(self, number: Callable[[tuple[str, ...]], int]) -> None:
        super().__init__()
        self.number = number

    def __missing__(self, key: tuple[str, ...]) -> int:
        code = self[key] = self.number(key)
        return code
