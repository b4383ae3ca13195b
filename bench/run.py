"""Inventory benchmark: `compliance inventory` on N machines x 3 destinations, against two floors
measured in the same run on the same data: a bare CSV read-and-write of the same rows (I/O floor)
and the same inventory run evaluated by the plain-Python reading of the rules (evaluation floor).

    python bench/run.py [ROWS] [--realistic] [--inventory-only | --days]   # default 100000; a Markdown table

``--realistic`` judges a used-machinery dealer's stock (600 series, a serial number and manufacture
day per machine, a fifth of the documents specific to one machine) instead of the repetitive one.

Each measurement runs in a fresh process; peak memory is the largest resident set of that process
and the workers it started. Verdicts are checked identical between the three evaluations, and the
first rows against the one-at-a-time path (a one-item `check` per row, no caches).
"""

from __future__ import annotations

import csv
import filecmp
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DESTS = ["VN", "TH", "ID"]
AS_OF = "2026-07-15"
#: The what-if over a year: every first of the month of 2027.
DAYS = "R12/2027-01-01/P1M"


def one(mode: str, data: Path) -> None:
    """Run one measurement in this process and print {"wall": s, "rss_mib": MiB} as JSON."""
    inv, docs, out = data / "inventory.csv", data / "documents.json", data / f"out-{mode}.csv"
    start = time.perf_counter()
    parts = 0
    if mode in ("inventory", "days"):
        cmd = [str(Path(sys.executable).parent / "compliance"), "inventory", str(inv), "--documents", str(docs),
               "--as-of", DAYS if mode == "days" else AS_OF, "-o", str(out), "--no-progress"] + [a for d in DESTS for a in ("--destination", d)]  # fmt: skip
        subprocess.run(cmd, check=False, stderr=subprocess.DEVNULL)
    elif mode == "io":
        with (
            inv.open(newline="", encoding="utf-8") as src,
            out.open("w", newline="", encoding="utf-8") as dst,
        ):
            reader = csv.DictReader(src)
            writer = csv.writer(dst)
            writer.writerow(
                ["id", "destination", "verdict", "missing_documents", "reasons", "warehouse", "price_usd"]
            )
            for row in reader:
                for d in DESTS:
                    writer.writerow([row["id"], d, "clear", "", "", row["warehouse"], row["price_usd"]])
    elif mode in ("plain", "one-at-a-time", "by-rows"):
        import datetime as dt

        from compliance.reading.inputs import load_registry, load_rulesets
        from compliance.inventory import Judge, load_documents, run
        from compliance.judging.reference import ReferenceEvaluator

        fast = mode != "one-at-a-time"
        source = inv
        if not fast:  # the slow path, on the first rows only
            source = data / "head.csv"
            with inv.open(encoding="utf-8") as fh, source.open("w", encoding="utf-8") as dst:
                for _, line in zip(range(2001), fh, strict=False):
                    dst.write(line)
        judge = Judge(
            rulesets=load_rulesets(), registry=load_registry([]), documents=load_documents(docs), destinations=DESTS,
            days=[dt.date.fromisoformat(AS_OF)], fast=fast,
            evaluator=ReferenceEvaluator() if mode == "plain" else None, by_columns=mode != "by-rows",
        )  # fmt: skip
        summary = run(source, judge, out, workers=2 if fast else 1)
        parts = summary.parts_judged
    wall = time.perf_counter() - start
    rss = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(json.dumps({"wall": wall, "rss_mib": rss / 1024, "parts": parts}))


def measure(mode: str, data: Path) -> dict[str, float]:
    res = subprocess.run(
        [sys.executable, __file__, "--one", mode, str(data)], capture_output=True, text=True, check=True
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def as_json(data: Path) -> None:
    """The generated documents file as JSON, the form a dealer's system exports (a YAML file of
    20,000 documents takes PyYAML's C parser seconds to read; the same JSON, a tenth of a second)."""
    import yaml

    docs = yaml.load((data / "documents.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    (data / "documents.json").write_text(json.dumps(docs, default=str), encoding="utf-8")


def main(rows: int, realistic: bool = False, inventory_only: bool = False, days: bool = False) -> None:
    sys.path.insert(0, str(HERE))
    from generate import generate

    data = HERE / "out"
    generate(rows, data, realistic=realistic)
    # In a process of its own: a child inherits its parent's peak memory figure on Linux.
    subprocess.run([sys.executable, __file__, "--json", str(data)], check=True)
    print(f"stock: {'realistic (600 series, per-machine documents)' if realistic else 'repetitive (120 series)'}")
    if days:  # every first of the month of 2027: time and memory only
        r = measure("days", data)
        print(f"{rows:,} machines x {len(DESTS)} x 12 days ({DAYS}): {r['wall']:.1f} s, "
              f"peak {r['rss_mib']:.0f} MiB (largest process)")  # fmt: skip
        return
    if inventory_only:  # the streaming check on a very large stock: time and memory only
        r = measure("inventory", data)
        print(f"{rows:,} machines x {len(DESTS)}: {r['wall']:.1f} s, {rows * len(DESTS) / r['wall']:,.0f} rows/s, "
              f"peak {r['rss_mib']:.0f} MiB (largest process)")  # fmt: skip
        return
    results = {m: measure(m, data) for m in ("io", "plain", "inventory", "by-rows", "one-at-a-time")}
    same = filecmp.cmp(data / "out-inventory.csv", data / "out-plain.csv", shallow=False)
    same_rows = filecmp.cmp(data / "out-inventory.csv", data / "out-by-rows.csv", shallow=False)
    with (
        (data / "out-inventory.csv").open(encoding="utf-8") as a,
        (data / "out-one-at-a-time.csv").open(encoding="utf-8") as b,
    ):
        head = [line for _, line in zip(range(2000 * len(DESTS) + 1), a, strict=False)]
        slow = b.readlines()
    same_slow = head == slow
    out_rows = rows * len(DESTS)
    inv, io, plain = results["inventory"], results["io"], results["plain"]
    print(
        f"| measurement ({rows:,} machines x {len(DESTS)} destinations = {out_rows:,} rows) | wall s | rows/s | peak MiB | vs I/O floor | vs plain-Python floor |"
    )
    print("|---|---|---|---|---|---|")
    rows_path = results["by-rows"]
    for name, r in (("bare CSV read + write (I/O floor)", io), ("plain-Python evaluation, same design (evaluation floor)", plain),
                    ("each row on its own (`judge_lines`, the path before the columns), in process", rows_path),
                    ("`compliance inventory` (durable-rules), end to end", inv)):  # fmt: skip
        print(f"| {name} | {r['wall']:.2f} | {out_rows / r['wall']:,.0f} | {r['rss_mib']:.0f} | "
              f"{r['wall'] / io['wall']:.1f}x | {r['wall'] / plain['wall']:.2f}x |")  # fmt: skip
    slow_rate = 2000 * len(DESTS) / results["one-at-a-time"]["wall"]
    print(f"\none-at-a-time path (no caches, 1 process), first 2,000 machines: {slow_rate:,.0f} rows/s")
    print(f"verdicts identical, durable vs plain Python (all rows): {same}")
    print(f"output identical, by columns vs row by row (all rows): {same_rows}")
    print(f"verdicts identical, fast path vs one-at-a-time (first 2,000 machines): {same_slow}")
    print(f"distinct cases judged (a requirement's finding on its documents or the machine's age, "
          f"summed over the 2 worker processes): {plain['parts']:,}")  # fmt: skip
    print(f"cores: {os.cpu_count()}")
    if not (same and same_slow and same_rows):
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--json":
        as_json(Path(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--one":
        one(sys.argv[2], Path(sys.argv[3]))
    else:
        numbers = [a for a in sys.argv[1:] if a.isdigit()]
        main(
            int(numbers[0]) if numbers else 100_000,
            realistic="--realistic" in sys.argv,
            inventory_only="--inventory-only" in sys.argv,
            days="--days" in sys.argv,
        )
