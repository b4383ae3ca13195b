"""The package works outside a checkout: a wheel built from this repository, installed into a fresh
virtual environment, run from another folder, finds its rulesets, sample registry and templates.

The fresh environment gets the wheel alone; the libraries it depends on are taken from the test
environment's site-packages (added as a plain path, so no editable-install hook of this checkout is
loaded), and the test asserts that `compliance` is imported from the fresh environment."""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from helpers import ROOT, SHIPMENTS


def test_every_code_package_is_in_the_wheel() -> None:
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    )
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "compliance").rglob("__init__.py")}
    assert found <= listed, f"add to pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `compliance` command of a fresh venv holding only the wheel."""
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)],
                   check=True, capture_output=True, timeout=600)  # fmt: skip
    (wheel,) = dist.glob("compliance-*.whl")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    target = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, str(wheel)],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    # Dependencies from the test environment, as a plain path entry (its .pth hooks are not run).
    (Path(target) / "test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    where = subprocess.run([str(py), "-c", "import compliance; print(compliance.__file__)"], check=True,
                           capture_output=True, text=True, cwd=base).stdout  # fmt: skip
    assert where.startswith(str(env_dir)), where
    # Console script of the wheel: call its entry point through the fresh interpreter.
    return py


def run(py: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(py), "-m", "compliance", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1795000000"})  # fmt: skip


def test_the_wheel_works_from_another_folder(installed: Path, tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    manifest = work / "m.yaml"
    shutil.copy(SHIPMENTS / "vn-container-mixed.yaml", manifest)
    for fmt in ("text", "json", "markdown", "html", "pdf"):
        for lang in ("en", "vi"):
            out = work / f"out.{lang}.{fmt}"
            proc = run(
                installed, work, "check", str(manifest), "--format", fmt, "--lang", lang, "-o", str(out)
            )
            assert proc.returncode == 1, (fmt, lang, proc.stderr)
            assert out.stat().st_size > 500
    report = json.loads((work / "out.en.json").read_text(encoding="utf-8"))
    assert report["registry_is_sample"] and {r["id"] for r in report["rulesets"]} >= {"vn-circular-12-2026"}
    version = run(installed, work, "--version")
    assert report["rulesets_sha256"] in version.stdout
    inv = run(installed, work, "inventory", str(SHIPMENTS / "inventory" / "stock.csv"), "--documents",
              str(SHIPMENTS / "inventory" / "documents.yaml"), "--destination", "VN", "-o", str(work / "o.csv"))  # fmt: skip
    assert inv.returncode in (1, 2) and (work / "o.csv").exists(), inv.stderr
    starter = run(installed, work, "init", "starter.yaml")
    assert starter.returncode == 0 and (work / "starter.yaml").exists(), starter.stderr
    for args in (["rulesets", "list"], ["rulesets", "lint"], ["rulesets", "test"], ["schema", "result"],
                 ["explain", str(manifest), "--item", "A1"]):  # fmt: skip
        proc = run(installed, work, *args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert proc.stdout.strip(), args
