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
from compliance.models.errors import UsageError


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def entry(
    *,
    command: list[str],
    inputs: list[tuple[Path, str]],
    rulesets: list[dict[str, Any]],
    as_of: list[str],
    verdicts: Any,
    outcome: str = "verdict",
    error: str | None = None,
    rulesets_sha256: str | None = None,
    decisions_applied: list[str] | None = None,
) -> dict[str, Any]:
    """One audit line: what was run, on which inputs (SHA-256 of the bytes read), and what came out:
    ``outcome`` is ``verdict`` or ``bad_input`` (then ``error`` says why)."""
    out: dict[str, Any] = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "command": command,
        "inputs": [{"path": str(p), "sha256": digest} for p, digest in inputs],
        "rulesets": rulesets,
        "as_of": as_of,
        "verdicts": verdicts,
        "outcome": outcome,
    }
    if rulesets_sha256 is not None:
        out["rulesets_sha256"] = rulesets_sha256
    if decisions_applied:
        out["decisions_applied"] = decisions_applied
    if error is not None:
        out["error"] = error
    return out


def file_digests(paths: list[Path]) -> list[tuple[Path, str]]:
    """SHA-256 of regular files read by path (rulesets, registries)."""
    return [(p, sha256(p)) for p in paths if p.is_file()]


class AuditLog:
    """An audit log opened before anything is judged: a log that cannot be written is bad input
    before a report goes out, never discovered after it. Lines are appended under an exclusive lock,
    so concurrent runs never interleave."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise UsageError(
                f"cannot open the audit log: {exc.strerror}", file=path, field="--audit-log"
            ) from None

    def append(self, line_entry: dict[str, Any]) -> None:
        line = json.dumps(line_entry, ensure_ascii=False, sort_keys=True) + "\n"
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        try:
            os.write(self.fd, line.encode("utf-8"))
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self.fd)


def record(
    log: Path,
    *,
    command: list[str],
    inputs: list[Path],
    rulesets: list[dict[str, Any]],
    as_of: list[str],
    verdicts: Any,
) -> None:
    """Append one line for a run whose inputs are files read by path."""
    audit = AuditLog(log)
    try:
        audit.append(entry(command=command, inputs=file_digests(inputs), rulesets=rulesets, as_of=as_of,
                           verdicts=verdicts))  # fmt: skip
    finally:
        audit.close()
