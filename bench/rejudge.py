"""Re-judging stored checks after a bundle change, while the service answers new checks.

Stores N open checks (a used lathe for Thailand, arriving in 40 days: `review` on the shipped
bundle; a share of them `--changing` is that lathe, the rest a new machining centre for Vietnam that
stays `clear`), then starts `compliance serve` on the same database with a new bundle (the joint
guidelines without their AI-diagnostics requirement: the lathe becomes `clear`). It measures how long
the server takes to judge all N again, and the latency of checks posted meanwhile by two clients,
against the same two clients on an idle server first.

    .venv/bin/python bench/rejudge.py                  # 10,000 checks, all of them changing
    .venv/bin/python bench/rejudge.py 10000 --changing 0.1
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from helpers import bundle_without_ai_diagnostics  # noqa: E402
from realparts import make_tokens, served  # noqa: E402

from compliance.server.db import Change, CheckRecord, WatchedCheck, open_engine  # noqa: E402

ORG = "Bench Forwarding"
ARRIVAL = (dt.date.today() + dt.timedelta(days=40)).isoformat()
LATHE = (ROOT / "shipments" / "th-used-lathe-review.yaml").read_text().replace("2026-09-10", ARRIVAL)
VMC = (ROOT / "shipments" / "vn-new-vmc-clear.yaml").read_text().replace("2026-08-04", ARRIVAL)
LOAD = (ROOT / "shipments" / "vn-new-vmc-clear.yaml").read_bytes()  # arrived: never watched
YAML = {"Content-Type": "application/yaml"}


def seed(url: str, n: int, changing: float, token: str, server_url: str) -> None:
    """One real check of each kind over the API, then N copies of their rows (new ids)."""
    with httpx.Client(base_url=server_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        ids = [c.post("/v1/checks", content=text, headers=YAML).json()["id"] for text in (LATHE, VMC)]
    engine = open_engine(url)
    with Session(engine) as session:
        templates = []
        for check_id in ids:
            record = session.get(CheckRecord, check_id)
            watched = session.get(WatchedCheck, check_id)
            assert record is not None and watched is not None, "the check is not watched"
            session.refresh(record, ["reports_z"])
            session.refresh(watched, ["upload_z"])
            templates.append((
                {c.key: getattr(record, c.key) for c in CheckRecord.__mapper__.column_attrs},
                {c.key: getattr(watched, c.key) for c in WatchedCheck.__mapper__.column_attrs},
            ))  # fmt: skip
    lathes = round(n * changing)
    for start in range(0, n, 1000):
        checks, watches = [], []
        for i in range(start, min(n, start + 1000)):
            record, watched = templates[0 if i < lathes else 1]
            new_id = f"bench{i:011d}"
            checks.append({**record, "id": new_id, "idempotency_key": None})
            watches.append({**watched, "check_id": new_id})
        with Session(engine) as session, session.begin():  # (ORM inserts: attribute names, not columns)
            session.execute(insert(CheckRecord), checks)
            session.execute(insert(WatchedCheck), watches)
    engine.dispose()


def clients(server_url: str, token: str, stop: threading.Event, out: list[float], errors: list[str]) -> None:
    def one() -> None:
        with httpx.Client(
            base_url=server_url, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as c:
            while not stop.is_set():
                start = time.perf_counter()
                answer = c.post("/v1/checks", content=LOAD, headers=YAML)
                out.append(time.perf_counter() - start)
                if answer.status_code != 201:
                    errors.append(str(answer.status_code))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    stop.wait()
    for t in threads:
        t.join()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument(
        "--changing", type=float, default=1.0, help="Share of the checks whose verdict changes."
    )
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="The server's judging processes.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="compliance-rejudge-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'bench.db'}"
        token = make_tokens(url, ORG, role="admin")[ORG]
        with served(
            url, "--watch-every", "0", "--workers", str(args.workers), "--rate", "0", cwd=folder
        ) as first:
            seed(url, args.n, args.changing, token, first.url)
            idle: list[float] = []
            errors: list[str] = []
            stop = threading.Event()
            load = threading.Thread(target=clients, args=(first.url, token, stop, idle, errors))
            load.start()
            time.sleep(args.idle_seconds)
            stop.set()
            load.join()
        engine = open_engine(url)
        with Session(engine) as session:
            old = session.scalar(
                select(WatchedCheck.rulesets_sha256).where(WatchedCheck.check_id.like("bench%"))
            )
        busy: list[float] = []
        stop = threading.Event()
        started = time.perf_counter()
        with served(url, "--watch-every", "1", "--workers", str(args.workers), "--rate", "0", "--rulesets", str(bundle_without_ai_diagnostics(folder)),
                    cwd=folder) as second:  # fmt: skip
            up = time.perf_counter() - started
            load = threading.Thread(target=clients, args=(second.url, token, stop, busy, errors))
            load.start()
            while True:  # until no stored check is left as judged by the old bundle
                with Session(engine) as session:
                    left = session.scalar(select(func.count()).select_from(WatchedCheck).where(
                        WatchedCheck.check_id.like("bench%"), WatchedCheck.closed_at.is_(None),
                        WatchedCheck.rulesets_sha256 == old))  # fmt: skip
                    changes = session.scalar(select(func.count()).select_from(Change)) or 0
                if not left:
                    break
                time.sleep(0.5)
            took = time.perf_counter() - started - up
            stop.set()
            load.join()
        engine.dispose()
    print("| stored checks | changing | re-judged in | checks/s | changes | check p95 idle | check p95 while "
          "re-judging | checks answered meanwhile | errors |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.n:,} | {args.changing:.0%} | {took:.1f} s | {args.n / took:.0f} | {changes:,} | "
        f"{p95(idle) * 1000:.0f} ms | {p95(busy) * 1000:.0f} ms | {len(busy):,} | {len(errors)} |"
    )
    print(f"\n(server start {up:.1f} s not counted; goal: at most 60 s for 10,000)")


if __name__ == "__main__":
    main()
