"""How the cost of checking one manifest grows with its size: 10 to 5,000 items.

Each item has its own carbon report (covering it by id) and one CE declaration covers every item,
so items x documents grows with the items. Each size is run as the CLI is (a fresh process, JSON out);
the table gives seconds, peak memory and the cost per item relative to the 100-item run in the same
run, which stays near 1.0x when the cost is linear.

    .venv/bin/python bench/manifest_size.py [--sizes 10,100,1000,5000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml


def manifest(n: int) -> dict[str, object]:
    items = [
        {"id": f"L{i}", "machine_type": "machining_center", "manufactured": f"{2012 + i % 12}-03-01",
         "condition": "used" if i % 3 else "new", "container": "MSCU1234566"}
        for i in range(n)
    ]  # fmt: skip
    docs: list[dict[str, object]] = [
        {"id": f"R{i}", "type": "carbon_footprint_report", "covers": [f"L{i}"], "issued": "2026-05-01",
         "stages": ["A1", "A2", "A3", "A4"], "transport_destination": "VN",
         "verifier": {"accreditations": ["VC-LCA-0042"]}}
        for i in range(n)
    ]  # fmt: skip
    docs.append({"id": "CE", "type": "ce_declaration", "issued": "2011-01-01"})
    return {
        "shipment": {"id": "BENCH", "origin": "CN", "destination": "VN", "arrival_date": "2026-07-15"},
        "items": items,
        "documents": docs,
    }


def run(path: Path) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB) of one `compliance check` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", "check", str(path), "--format", "json"],
        capture_output=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(proc.stderr.decode())
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,500,1000,2000,5000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    if 100 not in sizes:
        sizes = sorted({100, *sizes})
    results: dict[int, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"m{n}.yaml"
            path.write_text(yaml.safe_dump(manifest(n)), encoding="utf-8")
            results[n] = run(path)
    base = results[100][0] / 100
    print("| items | documents | seconds | peak MiB | ms per item | per item vs 100 items |")
    print("|---|---|---|---|---|---|")
    for n, (seconds, peak) in results.items():
        print(f"| {n:,} | {n + 1:,} | {seconds:.2f} | {peak:.0f} | {1000 * seconds / n:.1f} | {seconds / n / base:.2f}x |")


if __name__ == "__main__":
    main()
