"""Headless Chromium for the checklist tests and the README's pictures (Debian's `chromium`)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

# Flags from the machine notes: no sandbox as root, no GPU, and no background traffic, which this
# machine's closed network refuses (many connections at every start otherwise).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page: Path, png: Path, *, width: int = 1200, height: int = 1600) -> None:
    """Render a local HTML file and save the top of it as a PNG."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium is not installed; `make sysdeps` installs it (Debian package chromium)")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        subprocess.run(
            [
                exe, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                f"--screenshot={png}", page.resolve().as_uri(),
            ],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    if not png.exists():
        raise RuntimeError(f"chromium wrote no screenshot for {page}")
