"""Writing inventory results: CSV, XLSX or JSON Lines, atomically, with cells made safe."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import IO, Any

from compliance.errors import UsageError
from compliance.inventory.model import FORMULA_START
from compliance.output import publish, temporary_beside

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
