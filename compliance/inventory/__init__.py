"""Bulk runs: a whole inventory (CSV, XLSX or Parquet) against several destinations and as-of dates.

Rows stream in and out in input order; every input row yields exactly one output row per
destination, malformed rows included (verdict ``error``, the reason naming the column). Each row is
judged exactly as ``compliance check`` judges a one-item manifest with the same data: the fast path
only remembers results for rows that cannot differ (same machine data, documents, age facts,
destination and day), and remembers engine answers by what the engine is shown.

May import: `compliance.render`, `compliance.api` and every layer below them.
"""

from compliance.inventory.items import RowError, parse_item
from compliance.inventory.judge import Judge, item_key
from compliance.inventory.model import Outcome, Row, Summary
from compliance.inventory.read import load_documents, read_source
from compliance.inventory.run import run
from compliance.inventory.write import Writer, neutralise

__all__ = [
    "Judge", "Outcome", "Row", "RowError", "Summary", "Writer", "item_key", "load_documents", "neutralise",
    "parse_item", "read_source", "run",
]  # fmt: skip
