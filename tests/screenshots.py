"""Make the README's checklist pictures: `make screenshots` (writes docs/checklist-{en,vi}.png)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from browser import screenshot

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "shipments" / "vn-container-mixed.yaml"


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for lang in ("en", "vi"):
            page = Path(tmp) / f"checklist-{lang}.html"
            subprocess.run(
                [sys.executable, "-m", "compliance", "check", str(SAMPLE), "--format", "html", "--lang", lang,
                 "--output", str(page)],
                check=False,
                env={"SOURCE_DATE_EPOCH": "1795000000", "PATH": "/usr/bin:/bin"},
            )  # fmt: skip
            screenshot(page, out_dir / f"checklist-{lang}.png", width=1100, height=1500)
            print(out_dir / f"checklist-{lang}.png")


if __name__ == "__main__":
    main(ROOT / (sys.argv[1] if len(sys.argv) > 1 else "docs"))
