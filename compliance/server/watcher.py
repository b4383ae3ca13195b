"""The watch's background thread: it scans for watched checks whose basis changed and re-judges
them, in the server's judging processes when there are some (`watch.Watch` does the work)."""

from __future__ import annotations

import logging
import secrets
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy import update

from compliance.models.decisions import Decision
from compliance.models.errors import ComplianceError
from compliance.server.db import Change, WatchedCheck
from compliance.server.intake import Upload
from compliance.server.judged import Judged
from compliance.server.watch import Prepared, Watch
from compliance.service import CheckRequest

log = logging.getLogger("compliance.server")


#: Judges a prepared check elsewhere (the server's judging processes): a future of its result.
Remote = Callable[[Upload, CheckRequest, list[Decision]], "Future[Judged]"]


class Watcher(threading.Thread):
    """Scans every `every` seconds, and re-judges what is queued in between; stops when asked. With
    the server's judging processes (`remote`), a few checks are judged there at once while this thread
    prepares and stores the others (this process keeps its time for the requests)."""

    #: Re-judges queued in the judging processes: between ``depth`` and twice as many. Six: 10,000 are
    #: judged again in under a minute while new checks still get their answers within 100 ms at the
    #: 95th percentile on two cores (bench/README.md); four left the processes idle between batches.
    def __init__(self, watch: Watch, every: float, remote: Remote | None = None, depth: int = 6) -> None:
        super().__init__(name="compliance-watch", daemon=True)
        self.watch = watch
        self.every = every
        self.remote = remote
        self.depth = depth
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.watch.scan()
                if self.remote is None:
                    while not self.stopping.is_set() and (claimed := self.watch.claim(self.depth)):
                        for check_id in claimed:
                            self._one(check_id, lambda c: self.watch.rejudge(c))
                else:
                    self._drain_remote(self.remote)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the watch
                log.exception("watch: a scan failed")
            self.stopping.wait(self.every)

    def _drain_remote(self, remote: Remote) -> None:
        inflight: deque[tuple[Prepared, Future[Judged]]] = deque()
        while not self.stopping.is_set():
            room = 2 * self.depth - len(inflight)
            if len(inflight) <= self.depth and (claimed := self.watch.claim(room)):
                for job in self.watch.prepare_many(claimed):
                    inflight.append((job, remote(job.upload, job.request, job.decisions)))
            if not inflight:
                return
            # The oldest, and with it every other one done already: stored in one transaction.
            inflight[0][1].exception()  # (waits)
            batch = [inflight.popleft()]
            while inflight and inflight[0][1].done():
                batch.append(inflight.popleft())
            self._finish(batch)

    def _finish(self, batch: list[tuple[Prepared, Future[Judged]]]) -> None:
        results: list[tuple[Prepared, Judged | ComplianceError]] = []
        for job, future in batch:
            try:
                results.append((job, future.result()))
            except ComplianceError as exc:
                results.append((job, exc))
            except Exception:  # noqa: BLE001 - this one fails with an incident id (below), not the batch
                self._one(job.row.check_id, _raise_from(future))
        try:
            self.watch.finish_many(results)
        except Exception:  # noqa: BLE001 - stored one by one, so that one bad check fails alone
            for job, found in results:
                self._one(job.row.check_id, self._finishing(job, found))

    def _finishing(self, job: Prepared, found: Judged | ComplianceError) -> Callable[[str], Change | None]:
        return lambda _check_id: self.watch.finish(job, found)

    def _one(self, check_id: str, work: Callable[[str], Change | None]) -> None:
        try:
            work(check_id)
        except Exception:  # noqa: BLE001 - a bug fails this re-judge with an incident id, not the server
            incident = secrets.token_hex(8)
            log.exception("incident %s: re-judging check %s", incident, check_id)
            with self.watch.sessions() as session, session.begin():
                session.execute(update(WatchedCheck).where(WatchedCheck.check_id == check_id).values(
                    status="failed", error=f"internal error (a bug): incident {incident}"))  # fmt: skip


def _raise_from(future: Future[Judged]) -> Callable[[str], Change | None]:
    def work(_check_id: str) -> Change | None:
        future.result()
        return None

    return work
