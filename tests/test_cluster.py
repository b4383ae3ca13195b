"""An inventory judged on a Dask distributed cluster (a LocalCluster of two worker processes on
loopback) gives the local run's output byte for byte, even when a worker dies mid-run."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import SHIPMENTS
from realparts import COMPLIANCE

distributed = pytest.importorskip("distributed")
STOCK = SHIPMENTS / "inventory" / "stock.csv"
DOCS = SHIPMENTS / "inventory" / "documents.yaml"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as c:  # fmt: skip
        yield c


def _stock(path: Path, rows: int) -> Path:
    lines = STOCK.read_text().splitlines()
    header, body = lines[0], lines[1:]
    out = [header]
    for n in range(rows):
        cells = body[n % len(body)].split(",")
        cells[0] = f"M{n:05d}"
        if cells[2][:4].isdigit() and len(cells[2]) == 10:
            cells[2] = f"{2008 + n % 17}-{1 + n % 12:02d}-{1 + n % 27:02d}"
        out.append(",".join(cells))
    path.write_text("\n".join(out) + "\n")
    return path


def _inventory(stock: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMPLIANCE, "inventory", str(stock), "--documents", str(DOCS), "--destination", "VN", "--destination", "TH",
         "--destination", "ID", "--as-of", "2026-07-15", "--as-of", "2027-01-01", "--output", str(out), *extra],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_the_cluster_gives_the_local_output_byte_for_byte(cluster: Any, tmp_path: Path) -> None:
    stock = _stock(tmp_path / "stock.csv", 2500)
    local = _inventory(stock, tmp_path / "local.csv", "--workers", "1")
    remote = _inventory(stock, tmp_path / "remote.csv", "--scheduler", cluster.scheduler_address)
    assert local.returncode == remote.returncode != 2, remote.stderr
    assert (tmp_path / "remote.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert remote.stderr == local.stderr


def test_a_worker_killed_mid_run_loses_and_repeats_no_row(cluster: Any, tmp_path: Path) -> None:
    from compliance.inventory import Judge, load_documents, run
    from compliance.reading.inputs import load_registry, load_rulesets

    stock = _stock(tmp_path / "stock.csv", 6000)
    _inventory(stock, tmp_path / "local.csv", "--workers", "1")
    judge = Judge(rulesets=load_rulesets(), registry=load_registry([]), documents=load_documents(DOCS),
                  destinations=["VN", "TH", "ID"], days=[dt.date(2026, 7, 15), dt.date(2027, 1, 1)])  # fmt: skip
    killed: list[str] = []

    def kill_one(done: int) -> None:
        if done >= 2000 and not killed:
            with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
                victim = sorted(client.scheduler_info()["workers"])[0]
                killed.append(victim)
                # The worker process ends at once, mid-partition; its nanny starts a new one.
                threading.Thread(target=client.run, args=(os._exit, 1), kwargs={"workers": [victim]}).start()

    summary = run(
        stock, judge, tmp_path / "remote.csv", scheduler=cluster.scheduler_address, progress=kill_one
    )
    assert killed
    assert summary.rows_in == 6000 and summary.rows_out == 18000
    assert (tmp_path / "remote.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
