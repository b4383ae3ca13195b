"""Scaling of `compliance inventory --scheduler` from 1 to 2 local Dask workers (one thread each).

    .venv/bin/python bench/cluster.py [ROWS]

Writes a stock of ROWS machines (default 20,000; the sample stock's rows with distinct ids and
manufacture days), judges it against VN, TH and ID on a LocalCluster of 1 and then 2 worker
processes, and prints rows per second for each and the speed-up."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stock(path: Path, rows: int) -> Path:
    lines = (ROOT / "shipments" / "inventory" / "stock.csv").read_text().splitlines()
    header, body = lines[0], lines[1:]
    out = [header]
    for n in range(rows):
        cells = body[n % len(body)].split(",")
        cells[0] = f"M{n:07d}"
        if len(cells[2]) == 10 and cells[2][:4].isdigit():
            cells[2] = f"{2005 + n % 20}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        out.append(",".join(cells))
    path.write_text("\n".join(out) + "\n")
    return path


def main() -> None:
    import datetime as dt

    from distributed import LocalCluster

    from compliance.reading.inputs import load_registry, load_rulesets
    from compliance.inventory import Judge, load_documents, run

    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    folder = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    source = stock(folder / "stock.csv", rows)
    docs = load_documents(ROOT / "shipments" / "inventory" / "documents.yaml")
    rates = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster:  # fmt: skip
            judge = Judge(rulesets=load_rulesets(), registry=load_registry([]), documents=docs,
                          destinations=["VN", "TH", "ID"], days=[dt.date(2026, 7, 15)])  # fmt: skip
            start = time.perf_counter()
            summary = run(source, judge, folder / f"out-{workers}.csv", scheduler=cluster.scheduler_address)
            wall = time.perf_counter() - start
        assert summary.rows_out == 3 * rows
        rates[workers] = rows * 3 / wall
        print(f"| {workers} worker(s) | {wall:.1f} s | {rates[workers]:,.0f} rows/s |")
    print(f"speed-up 1 -> 2 workers: {rates[2] / rates[1]:.2f}x")
    same = (folder / "out-1.csv").read_bytes() == (folder / "out-2.csv").read_bytes()
    print(f"outputs identical: {same}")


if __name__ == "__main__":
    main()
