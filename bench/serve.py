"""Load on `compliance serve`: concurrent clients on loopback posting a 3-item manifest.

Prints p50/p95/max latency, throughput, errors, and the server's resident memory at the start, the
middle and the end (flat memory over many requests: nothing kept per request). A fresh SQLite
database in a temporary folder, unless --database is given.

    .venv/bin/python bench/serve.py                 # 10,000 requests, 20 clients
    .venv/bin/python bench/serve.py --requests 2000 --database postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from realparts import make_tokens, served  # noqa: E402

MANIFEST = (ROOT / "shipments" / "vn-container-mixed.yaml").read_bytes()


def rss_kib(parent_pid: int) -> int:
    """Resident memory of the server: the CLI process and every process under it, in KiB."""
    total = 0
    for pid in [parent_pid, *_descendants(parent_pid)]:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def cpu_seconds(parent_pid: int) -> float:
    """CPU time (user + system) used so far by the server: the CLI process and every process under it."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in [parent_pid, *_descendants(parent_pid)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _descendants(pid: int) -> list[int]:
    """Every process under ``pid``, whichever of its threads started it (the judging processes are
    started by a worker thread)."""
    children: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(c) for c in (task / "children").read_text().split()]
    except FileNotFoundError:
        return []
    return [d for c in children for d in (c, *_descendants(c))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--database")
    ap.add_argument("--workers", type=int, help="judging processes (default: the server's, one per core)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    url = args.database or f"sqlite:///{folder / 'bench.db'}"
    tokens = make_tokens(url, "Bench")
    latencies: list[float] = []
    errors: list[str] = []
    memory: list[tuple[int, int]] = []
    lock = threading.Lock()
    counter = iter(range(args.requests))
    workers = ["--workers", str(args.workers)] if args.workers else []
    with served(url, "--rate", "0", *workers, cwd=folder) as server:
        headers = {"Authorization": f"Bearer {tokens['Bench']}", "Content-Type": "application/yaml"}

        def client() -> None:
            with httpx.Client(base_url=server.url, headers=headers, timeout=60) as c:
                while True:
                    with lock:
                        n = next(counter, None)
                    if n is None:
                        return
                    start = time.perf_counter()
                    r = c.post("/v1/checks", content=MANIFEST)
                    took = time.perf_counter() - start
                    with lock:
                        latencies.append(took)
                        if r.status_code != 201:
                            errors.append(f"{r.status_code} {r.text[:100]}")
                        done = len(latencies)
                    if done in (100, args.requests // 2, args.requests):
                        memory.append((done, rss_kib(server.process.pid)))

        # Warm up (imports, the engine's compiled rules), then measure.
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as c:
            for _ in range(20):
                c.post("/v1/checks", content=MANIFEST)
        began = time.perf_counter()
        server_cpu = cpu_seconds(server.process.pid)
        client_cpu = time.process_time()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
        server_cpu = cpu_seconds(server.process.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    print(
        f"database: {url.split(':', 1)[0]}; {args.clients} clients; {len(latencies)} requests in {wall:.1f} s"
    )
    print("| measure | value |")
    print("|---|---|")
    print(f"| throughput | {len(latencies) / wall:.1f} checks/s |")
    print(f"| latency p50 | {pct(0.50):.1f} ms |")
    print(f"| latency p95 | {pct(0.95):.1f} ms |")
    print(f"| latency max | {ordered[-1] * 1000:.1f} ms |")
    print(f"| mean | {statistics.mean(latencies) * 1000:.1f} ms |")
    print(f"| errors | {len(errors)} |")
    print(f"| server CPU per check | {server_cpu / len(latencies) * 1000:.1f} ms |")
    print(f"| load generator CPU per check (same machine) | {client_cpu / len(latencies) * 1000:.1f} ms |")
    for done, kib in sorted(memory):
        print(f"| server RSS after {done} requests | {kib / 1024:.1f} MiB |")
    if errors:
        print("first errors:", *errors[:5], sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
