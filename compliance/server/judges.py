"""Checks judged in processes of their own, in order of arrival, for one HTTP server process.

Judging (reading the manifest, the rule engine, the report in both languages) is Python holding the
interpreter's lock: one process judges on one core. Several server processes each with their own
connections (uvicorn's workers) split the clients unevenly: a client's connection stays with the
process that accepted it, and one process accepting twenty connections in a burst leaves the other
idle while its own clients wait (measured: four clients answered in 57 ms, sixteen in 237 ms). So
one server process takes every request and hands each check to a pool of judging processes, one
queue for all: each check waits only for those that came before it. A judging process reads the
organisation's decisions from the database itself (the server process makes no trip to a worker
thread for them); the server process stores the check and answers.

With no judging process (``Settings.judges == 0``, an app embedded in a test or a script) checks
are judged in the server's own threads, two at a time.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from compliance.models.decisions import Decision
from compliance.server.checking import Decisions, Judged, OrganisationDecisions, decisions_for, judged
from compliance.server.db import open_engine
from compliance.server.intake import Upload
from compliance.service import CheckRequest, Library

#: The rulesets and registry of a judging process, loaded when it starts.
_LIBRARY: Library | None = None
#: Its sessions on the server's database (to read an organisation's decisions).
_SESSIONS: sessionmaker[Session] | None = None


def _start(rulesets_dir: Path | None, registries: list[Path], database_url: str) -> None:
    global _LIBRARY, _SESSIONS
    # A polite stop (SIGTERM to the server's process group) drains the requests in flight: the
    # server process waits for their checks, so a judging process must not die first. It ends when
    # the server shuts the pool down, or when the server is gone (its queue closes).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A server killed outright (SIGKILL, the kernel's OOM killer) never shuts its pool down, and a
    # pool's process holds its own queue open: it would wait for work forever. It ends with the server.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True).start()
    _LIBRARY = Library.load(rulesets_dir, registries)
    _SESSIONS = sessionmaker(open_engine(database_url), expire_on_commit=False)
    # What a judging process loaded stays for its life: kept out of the collector's scans, which
    # otherwise walk the rulesets and the engine's compiled rules again on every full collection.
    gc.freeze()


def _end_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def _judge_here(upload: Upload, check: CheckRequest, decisions: Decisions) -> Judged:
    assert _LIBRARY is not None and _SESSIONS is not None
    return judged(upload, check, _LIBRARY, decisions_for(decisions, _SESSIONS))


def _rejudge_here(upload: Upload, check: CheckRequest, decisions: Decisions) -> Judged:
    found = _judge_here(upload, check, decisions)
    return replace(found, reports={})  # (sent back compressed only: a fifth of the bytes)


class Judges:
    """The pool of judging processes (started on first use, started again if one dies)."""

    def __init__(
        self, processes: int, rulesets_dir: Path | None, registries: list[Path], database_url: str
    ) -> None:
        self.processes = processes
        self._args = (rulesets_dir, registries, database_url)
        self._pool: ProcessPoolExecutor | None = None
        self._warming: list[Future[bool]] = []
        self._lock = threading.Lock()

    def _current(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # Spawned, not forked: the server process runs threads (a fork would copy their locks).
                self._pool = ProcessPoolExecutor(
                    self.processes, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                    initargs=self._args,
                )  # fmt: skip
                # Every process started now (a pool starts one more only when none is idle).
                self._warming = [self._pool.submit(_ready) for _ in range(self.processes)]
            return self._pool

    def start(self) -> None:
        """Start the processes now (each loads the rulesets), not on the first request."""
        self._current()
        for f in self._warming:
            f.result()

    async def judge(self, upload: Upload, check: CheckRequest, decisions: Decisions) -> Judged:
        args = (upload, check, decisions if isinstance(decisions, OrganisationDecisions) else list(decisions))
        pool = self._current()
        try:
            future = pool.submit(_judge_here, *args)
        except BrokenProcessPool:  # a judging process died while idle: a new pool takes the check
            self._forget(pool)
            pool = self._current()
            future = pool.submit(_judge_here, *args)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            # A judging process died judging (a fault in the rule engine's C code): this check is not
            # stored (a 500 with an incident id); the next one gets a new pool.
            self._forget(pool)
            raise

    def submit(self, upload: Upload, check: CheckRequest, decisions: list[Decision]) -> Future[Judged]:
        """A check judged again in a judging process, from a thread (the watch): the future of its
        result, its reports only as stored (nothing answers them)."""
        pool = self._current()
        try:
            return pool.submit(_rejudge_here, upload, check, decisions)
        except BrokenProcessPool:
            self._forget(pool)
            return self._current().submit(_rejudge_here, upload, check, decisions)

    def _forget(self, pool: ProcessPoolExecutor) -> None:
        """Drop a broken pool. Its other processes ignore SIGTERM (see `_start`), which is all a
        broken pool sends them: they are killed."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
        for process in list(processes.values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


def _ready() -> bool:
    return _LIBRARY is not None
