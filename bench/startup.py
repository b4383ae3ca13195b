"""Start-up cost of a one-item check against the bare import of its stack, side by side.

Runs each command N times in fresh processes, alternating, and prints the medians and their ratio.
The goal is a one-item `check` at most 2x the bare import of pydantic, PyYAML, click, Jinja2 and
durable-rules.

The package's bytecode is compiled first, as an installed wheel's is: an editable install run with
PYTHONDONTWRITEBYTECODE (as on the CI machines) would otherwise compile every module on every run,
while the stack's packages were compiled when pip installed them.

    .venv/bin/python bench/startup.py [N]
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE = [sys.executable, "-c", "import durable.engine, pydantic, yaml, click, jinja2"]
CHECK = [sys.executable, "-m", "compliance", "check", str(ROOT / "shipments" / "vn-new-vmc-clear.yaml"),
         "--format", "json"]  # fmt: skip


def seconds(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:  # a check that failed early would look fast
        sys.exit(f"{' '.join(cmd[1:])} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return took


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    compileall.compile_dir(ROOT / "compliance", quiet=1)
    seconds(CHECK)  # a first run warms the page cache for both
    bare: list[float] = []
    check: list[float] = []
    for _ in range(n):
        bare.append(seconds(BARE))
        check.append(seconds(CHECK))
    b, c = statistics.median(bare), statistics.median(check)
    print("| command | median s |")
    print("|---|---|")
    print(f"| bare import of the stack (durable-rules, pydantic, PyYAML, click, Jinja2) | {b:.3f} |")
    print(f"| `compliance check` one item, JSON | {c:.3f} |")
    print(f"\nratio: {c / b:.2f}x (goal: at most 2x)")


if __name__ == "__main__":
    main()
