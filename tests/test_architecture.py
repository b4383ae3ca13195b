"""The layers of docs/architecture.md, checked: `make lint` runs import-linter with the contracts in
pyproject.toml (the layers, no circles between the modules of a package, durable imported by the
engine adapter alone). These tests prove the check bites: an import against the direction, or a
circle, in a copy of the package fails it."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

LINT = Path(sys.executable).parent / "lint-imports"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layers")
    shutil.copytree(
        ROOT / "compliance", out / "compliance", ignore=shutil.ignore_patterns("__pycache__", "locale")
    )
    shutil.copy(ROOT / "pyproject.toml", out / "pyproject.toml")
    return out


def test_the_package_keeps_its_contracts(tree: Path) -> None:
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "broken"),
    [
        # The judging layer importing a face: against the direction.
        ("judging/obtain.py", "from compliance.cli import common", "The layers"),
        # Two modules of one package importing each other: a circle.
        ("inventory/header.py", "from compliance.inventory import read", "No circles"),
        # durable-rules outside the engine adapter.
        ("judging/verdicts.py", "import durable.engine", "durable-rules is imported"),
    ],
)
def test_an_import_against_the_contracts_fails_the_lint(
    tree: Path, module: str, bad_import: str, broken: str
) -> None:
    path = tree / "compliance" / module
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original + f"\n{bad_import}  # noqa\n", encoding="utf-8")
        result = _lint(tree)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode != 0
    assert broken in result.stdout and "BROKEN" in result.stdout


def test_no_module_is_over_four_hundred_lines() -> None:
    package = Path(__file__).resolve().parent.parent / "compliance"
    long = {
        str(p.relative_to(package)): n
        for p in package.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}


def test_no_function_needs_a_scroll_to_read() -> None:
    """A function fits on one screen: at most 60 lines, its signature and docstring included."""
    package = Path(__file__).resolve().parent.parent / "compliance"
    long = {}
    for p in package.rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if (n := (node.end_lineno or node.lineno) - node.lineno + 1) > 60:
                long[f"{p.relative_to(package)}:{node.name}"] = n
    assert long == {}
