"""A cache of parsed ruleset files, keyed by the SHA-256 of their bytes.

Parsing the shipped rulesets' YAML is about a third of a one-item check's own work (some 8 ms of
25); reading the plain data back from JSON takes about 1.5 ms. What is cached is exactly what
`loading` makes of the bytes (plain data and the line of every value), never a validated model: every
load still validates the data and lints the ruleset, so a cached file judges exactly as a parsed one.

- The key is the SHA-256 of the file's bytes, salted with the Python version and the source of the
  module that parses them: another parser (a newer release, an edited checkout) never reads an old
  entry.
- The folder is `$COMPLIANCE_CACHE_DIR`, else `$XDG_CACHE_HOME/compliance`, else
  `~/.cache/compliance`; `COMPLIANCE_CACHE_DIR=""` (empty) turns the cache off.
- Entries are JSON, with dates and times written as tagged strings: reading one builds nothing but
  plain data, so a planted file can hold no code to run, and data of any other type (a YAML `!!set`,
  `!!binary`) is not cached at all rather than changed. An entry that cannot be read is a miss, and is
  written anew.
- A folder that cannot be written (a read-only home, a container) only means no cache; at most
  `MAX_ENTRIES` entries are kept, the oldest removed first.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

#: Entries kept; a ruleset author editing a file makes a new one at each save.
MAX_ENTRIES = 256
_FORMAT = "parsed-v1"
_DATE, _TIME = "\u0000date", "\u0000datetime"


class _NotPlain(Exception):
    """Data of a type an entry does not hold."""


def _tagged(value: Any) -> Any:
    """The data with dates as tagged one-key objects; refuses any type JSON would change."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise _NotPlain("a key that is not text")
        return {k: _tagged(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tagged(v) for v in value]
    if isinstance(value, dt.datetime):
        return {_TIME: value.isoformat()}
    if isinstance(value, dt.date):
        return {_DATE: value.isoformat()}
    raise _NotPlain(type(value).__name__)


def _untagged(obj: dict[str, Any]) -> Any:
    # No file a user wrote has such a key: the loader refuses text holding NUL.
    if len(obj) == 1:
        if _DATE in obj:
            return dt.date.fromisoformat(obj[_DATE])
        if _TIME in obj:
            return dt.datetime.fromisoformat(obj[_TIME])
    return obj


def folder() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    chosen = os.environ.get("COMPLIANCE_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "compliance"


@functools.cache
def _salt() -> bytes:
    parser = Path(__file__).with_name("loading.py").read_bytes()  # the module that parses (and calls us)
    return f"{_FORMAT}|{sys.version}|".encode() + hashlib.sha256(parser).digest()


def _entry(key: str) -> Path | None:
    where = folder()
    if where is None:
        return None
    name = hashlib.sha256(_salt() + key.encode()).hexdigest()
    return where / _FORMAT / f"{name}.json"


def get(key: str) -> tuple[Any, dict[Any, int | str]] | None:
    """The parsed data and lines of the file whose bytes' SHA-256 (and format) ``key`` names, if an
    entry holds them."""
    path = _entry(key)
    if path is None:
        return None
    try:
        entry = json.loads(path.read_bytes(), object_hook=_untagged)
        lines = {tuple(loc): line for loc, line in entry["lines"]}
        return entry["data"], lines
    except Exception:  # noqa: BLE001 - a damaged or planted entry is a miss, whatever it raises
        return None


def put(key: str, data: Any, lines: dict[Any, int | str]) -> None:
    """Keep the parsed file for the next process; any failure to write only means no entry."""
    path = _entry(key)
    if path is None:
        return
    try:
        text = json.dumps({"data": _tagged(data), "lines": [[list(loc), line] for loc, line in lines.items()]},
                          ensure_ascii=False, separators=(",", ":"))  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=".entry-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(scratch, path)  # whole or absent: a reader never sees half an entry
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
        _prune(path.parent)
    except (OSError, _NotPlain, RecursionError, ValueError):
        return


def _prune(where: Path) -> None:
    entries = sorted(where.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in entries[: max(0, len(entries) - MAX_ENTRIES)]:
        old.unlink(missing_ok=True)
