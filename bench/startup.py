"""Start-up cost of a one-item check against the bare import of its stack, side by side.

Runs each command N times in fresh processes, alternating, and prints the medians and their ratio.
The goal is a one-item `check` at most 2x the bare stack import.

    .venv/bin/python bench/startup.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE = [sys.executable, "-c", "import durable.engine, pydantic, yaml, click, jinja2, babel, stdnum, pycountry"]
CHECK = [sys.executable, "-m", "compliance", "check", str(ROOT / "shipments" / "vn-new-vmc-clear.yaml"),
         "--format", "json"]  # fmt: skip


def seconds(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    bare: list[float] = []
    check: list[float] = []
    for _ in range(n):
        bare.append(seconds(BARE))
        check.append(seconds(CHECK))
    b, c = statistics.median(bare), statistics.median(check)
    print("| command | median s |")
    print("|---|---|")
    print(f"| bare import of the stack (durable, pydantic, yaml, click, jinja2, babel, stdnum, pycountry) | {b:.3f} |")
    print(f"| `compliance check` one item, JSON | {c:.3f} |")
    print(f"\nratio: {c / b:.2f}x (goal: at most 2x)")


if __name__ == "__main__":
    main()
