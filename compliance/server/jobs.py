"""Inventory jobs: submitted over the API, judged by a background thread with the same code as
`compliance inventory`, kept in the database from upload to result.

A job is claimed atomically (queued -> running), so several server processes never run one job twice.
A job left `running` by a server that stopped is queued again when the server starts (resumed from
its first row; its result is only ever written whole), and marked failed after three interruptions:
never silently lost."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import secrets
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from compliance.inventory import Judge, load_documents, run
from compliance.inventory.model import OUTPUT_COLUMNS
from compliance.inventory.read import read_source
from compliance.inventory.run import summary_table
from compliance.inventory.write import Writer
from compliance.models.common import country_code
from compliance.models.decisions import Decision
from compliance.models.errors import ComplianceError, UsageError
from compliance.reading.inputs import select_rulesets
from compliance.render.words import words
from compliance.server.db import InventoryJob, now
from compliance.server.store import iso
from compliance.service import Library, inventory_exit_code

log = logging.getLogger("compliance.server")
MAX_ATTEMPTS = 3
RESULT_FORMATS = ("csv", "xlsx", "jsonl")


@dataclass(frozen=True)
class JobOptions:
    destinations: list[str]
    days: list[str]
    rulesets: list[str]
    drafts: bool = False
    sheet: str | None = None
    #: The organisation's decisions when the job was submitted (as in a decisions file).
    decisions: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def parse(cls, destinations: list[str], days: list[dt.date], rulesets: list[str], drafts: bool,
              sheet: str | None) -> JobOptions:  # fmt: skip
        if not destinations:
            raise UsageError("give at least one destination (ISO 3166 alpha-2)", field="destination")
        try:
            dests = list(dict.fromkeys(country_code(d.strip()) for d in destinations if d.strip()))
        except ValueError as exc:
            raise UsageError(str(exc), field="destination") from None
        chosen = sorted(set(days)) or [dt.date.today()]
        return cls(dests, [d.isoformat() for d in chosen], rulesets, drafts, sheet)


def _files(folder: Path, job: InventoryJob) -> tuple[Path, Path | None]:
    inventory = folder / job.filename
    inventory.write_bytes(job.inventory)
    documents = None
    if job.documents is not None:
        documents = folder / "documents.yaml"
        documents.write_bytes(job.documents)
    return inventory, documents


def check_upload(job: InventoryJob, library: Library) -> None:
    """What can be judged before the job is accepted: options, the documents file, the header."""
    opts = JobOptions(**job.options)
    select_rulesets(library.rulesets, opts.rulesets, drafts=opts.drafts)
    with tempfile.TemporaryDirectory(prefix="compliance-job-") as tmp:
        inventory, documents = _files(Path(tmp), job)
        try:
            load_documents(documents)
            read_source(inventory, opts.sheet)
        except ComplianceError as exc:
            raise UsageError(str(exc).replace(f"{tmp}/", ""), field=exc.field) from None


def with_decisions(options: JobOptions, decisions: list[Decision]) -> JobOptions:
    return replace(options, decisions=[d.model_dump(mode="json") for d in decisions])


def new_job(organisation_id: int, token_id: str, filename: str, inventory: bytes, documents: bytes | None,
            options: JobOptions) -> InventoryJob:  # fmt: skip
    return InventoryJob(
        id=secrets.token_hex(12), organisation_id=organisation_id, token_id=token_id, created_at=now(),
        updated_at=now(), status="queued", attempts=0, filename=filename, inventory=inventory,
        documents=documents, options=options.__dict__, rows_done=0,
    )  # fmt: skip


def execute(job: InventoryJob, library: Library, progress: Any) -> tuple[list[str], dict[str, Any], bytes]:
    """Judge the job's inventory: its columns, its summary and its rows as JSON lines."""
    opts = JobOptions(**job.options)
    with tempfile.TemporaryDirectory(prefix="compliance-job-") as tmp:
        inventory, documents = _files(Path(tmp), job)
        days = [dt.date.fromisoformat(d) for d in opts.days]
        judge = Judge(
            rulesets=select_rulesets(library.rulesets, opts.rulesets, drafts=opts.drafts),
            registry=library.registry, documents=load_documents(documents), destinations=opts.destinations,
            days=days, decisions=tuple(Decision.model_validate(d) for d in opts.decisions),
        )  # fmt: skip
        out = Path(tmp) / "result.jsonl"
        summary = run(inventory, judge, out, workers=1, progress=progress, sheet=opts.sheet)
        lines = out.read_bytes()
    first = lines.split(b"\n", 1)[0]
    columns = list(json.loads(first)) if first else list(OUTPUT_COLUMNS)
    table = [
        [c.isoformat() if isinstance(c, dt.date) else c for c in row] for row in summary_table(summary, days)
    ]
    return (
        columns,
        {
            "rows_in": summary.rows_in,
            "rows_out": summary.rows_out,
            "by_destination": {d: dict(c) for d, c in summary.by_destination.items()},
            "changed": summary.changed,
            "sheet": summary.sheet,
            "exit_code": int(inventory_exit_code(summary.by_destination)),
            "decisions_unused": summary.decisions_unused,
            # What the verdicts cover, per destination and day (a clear covers these rules only).
            "coverage": [
                {
                    "destination": dest,
                    "as_of": day.isoformat(),
                    "judged": [{"ruleset": j.ruleset, "version": j.version} for j in cov.judged],
                    "not_judged": {
                        lang: [words(t.text, lang) for t in cov.not_judged] for lang in ("en", "vi")
                    },
                }
                for (dest, day), cov in summary.coverage.items()
            ],  # fmt: skip
            "table": table,
        },
        lines,
    )


def converted(job: InventoryJob, fmt: str) -> bytes:
    """The stored result as CSV, XLSX or JSON lines (the CLI's `--output` formats)."""
    assert job.result is not None and job.columns is not None and job.summary is not None
    if fmt == "jsonl":
        return job.result
    with tempfile.TemporaryDirectory(prefix="compliance-result-") as tmp:
        path = Path(tmp) / f"result.{fmt}"
        writer = Writer(path, list(job.columns))
        for line in io.BytesIO(job.result):
            if line.strip():
                writer.write(json.loads(line))
        writer.summary = job.summary["table"]
        writer.commit()
        return path.read_bytes()


def recover(sessions: sessionmaker[Session]) -> int:
    """Jobs a stopped server left running: queued again, or failed after too many interruptions."""
    with sessions() as session, session.begin():
        stuck = list(session.scalars(select(InventoryJob).where(InventoryJob.status == "running")))
        for job in stuck:
            if job.attempts >= MAX_ATTEMPTS:
                job.status, job.error = "failed", f"interrupted {job.attempts} times by server restarts"
            else:
                job.status, job.rows_done = "queued", 0
            job.updated_at = now()
    return len(stuck)


class Runner(threading.Thread):
    """Claims queued jobs one at a time and runs them; stops when asked."""

    def __init__(self, sessions: sessionmaker[Session], library: Library, poll: float = 0.5) -> None:
        super().__init__(name="compliance-jobs", daemon=True)
        self.sessions = sessions
        self.library = library
        self.poll = poll
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                job_id = self._claim()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the runner
                log.exception("inventory jobs: could not claim a job")
                job_id = None
            if job_id is None:
                self.stopping.wait(self.poll)
                continue
            self._run(job_id)

    def _claim(self) -> str | None:
        with self.sessions() as session, session.begin():
            candidate = session.scalar(
                select(InventoryJob.id)
                .where(InventoryJob.status == "queued")
                .order_by(InventoryJob.created_at)
            )
            if candidate is None:
                return None
            claimed = session.execute(
                update(InventoryJob)
                .where(InventoryJob.id == candidate, InventoryJob.status == "queued")
                .values(status="running", attempts=InventoryJob.attempts + 1, updated_at=now())
            )
            return candidate if claimed.rowcount == 1 else None  # type: ignore[attr-defined]

    def _set(self, job_id: str, **values: Any) -> None:
        with self.sessions() as session, session.begin():
            session.execute(
                update(InventoryJob).where(InventoryJob.id == job_id).values(updated_at=now(), **values)
            )

    def _run(self, job_id: str) -> None:
        with self.sessions() as session:
            job = session.get(InventoryJob, job_id)
        assert job is not None
        try:
            columns, summary, lines = execute(job, self.library, lambda n: self._set(job_id, rows_done=n))
        except ComplianceError as exc:
            self._set(job_id, status="failed", error=str(exc))
            return
        except Exception:  # noqa: BLE001 - a bug fails this job with an incident id, not the server
            incident = secrets.token_hex(8)
            log.exception("incident %s: inventory job %s", incident, job_id)
            self._set(job_id, status="failed", error=f"internal error (a bug): incident {incident}")
            return
        self._set(job_id, status="done", rows_done=summary["rows_in"], columns=columns, summary=summary,
                  result=lines)  # fmt: skip


def describe(job: InventoryJob) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": job.id,
        "status": job.status,
        "filename": job.filename,
        "options": {k: v for k, v in job.options.items() if k != "decisions"},
        "decisions": [d["id"] for d in job.options.get("decisions", [])],
        "rows_done": job.rows_done,
        "attempts": job.attempts,
        "created_at": iso(job.created_at),
        "updated_at": iso(job.updated_at),
    }
    if job.summary is not None:
        out["summary"] = {k: v for k, v in job.summary.items() if k != "table"}
    if job.error:
        out["error"] = job.error
    if job.status == "done":
        out["results"] = {f: f"/v1/inventories/{job.id}/result.{f}" for f in RESULT_FORMATS}
    return out
