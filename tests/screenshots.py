"""Make the README's pictures: `make screenshots` writes docs/checklist-{en,vi}.png and, where
LibreOffice is installed (`apt-get install libreoffice-calc-nogui`), docs/inventory-xlsx.png: the
inventory workbook as a spreadsheet program lays it out (LibreOffice renders the sheet, Chromium
takes the picture)."""

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

    inventory_picture(out_dir)


def inventory_picture(out_dir: Path) -> None:
    import shutil

    if shutil.which("soffice") is None:
        print("no LibreOffice (soffice): docs/inventory-xlsx.png left as it is")
        return
    stock = ROOT / "shipments" / "inventory"
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "verdicts.xlsx"
        subprocess.run(
            [sys.executable, "-m", "compliance", "inventory", str(stock / "stock.csv"), "--documents",
             str(stock / "documents.yaml"), "--destination", "VN", "--destination", "TH", "--as-of", "2026-06-30",
             "--as-of", "2027-01-01", "--output", str(book)],
            check=False,
        )  # fmt: skip
        subprocess.run(["soffice", "--headless", "--convert-to", "html", "--outdir", tmp, str(book)],
                       check=True, capture_output=True, timeout=180)  # fmt: skip
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1500, "height": 900})
            page.goto((Path(tmp) / "verdicts.html").as_uri())
            page.locator("table").first.screenshot(path=str(out_dir / "inventory-xlsx.png"))
            browser.close()
    print(out_dir / "inventory-xlsx.png")


if __name__ == "__main__":
    main(ROOT / (sys.argv[1] if len(sys.argv) > 1 else "docs"))
