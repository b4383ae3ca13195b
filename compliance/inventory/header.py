"""An inventory's header row: the columns it names, read as people write them, and checked before
any row is read (CSV, XLSX and Parquet alike)."""

from __future__ import annotations

import re
from pathlib import Path

from compliance.inventory.model import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from compliance.models.errors import InputError


def _column_name(header: str) -> str:
    """A header as written, or the known column it names ("Machine type" is machine_type): people
    write headers for people. Carried columns keep their names."""
    probe = re.sub(r"[\s\-]+", "_", header.strip().lower())
    return probe if probe in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) else header.strip()


def check_header(header: list[str], path: Path) -> list[str]:
    """The header's column names; a blank, repeated or missing required column is bad input (line 1)."""
    names = [_column_name(h) if h else "" for h in header]
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
