"""The audit trail: one JSON line per run, appended under a file lock, never rewritten."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from compliance import __version__
from compliance.errors import UsageError


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record(
    log: Path,
    *,
    command: list[str],
    inputs: list[Path],
    rulesets: list[dict[str, Any]],
    as_of: list[str],
    verdicts: Any,
) -> None:
    """Append one line; concurrent runs are serialised by an exclusive lock on the log itself."""
    entry = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "command": command,
        "inputs": [{"path": str(p), "sha256": sha256(p)} for p in inputs if p.is_file()],
        "rulesets": rulesets,
        "as_of": as_of,
        "verdicts": verdicts,
    }
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
    try:
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise UsageError(
            f"cannot open the audit log: {exc.strerror}", file=log, field="--audit-log"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line.encode("utf-8"))
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
