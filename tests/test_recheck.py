"""`compliance recheck DIR`: a folder of manifests judged two ways (two days, two ruleset bundles),
and the verdicts that change, checked against what `compliance check` says on each side."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from helpers import SHIPMENTS, bundle_without_ai_diagnostics

from compliance.cli import cli

FOLDER_FILES = ["vn-used-vmc-hold.yaml", "vn-new-vmc-clear.yaml", "th-used-lathe-review.yaml",
                "vn-pact-footprint.yaml", "pact-footprint-v3.json"]  # fmt: skip


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def folder(tmp_path: Path) -> Path:
    out = tmp_path / "manifests"
    out.mkdir()
    for name in FOLDER_FILES:
        shutil.copy(SHIPMENTS / name, out / name)
    return out


def verdicts(path: Path, *options: str) -> dict[str | None, str]:
    code, out, err = run("check", str(path), "--format", "json", *options)
    assert code in (0, 1, 3), err
    report = json.loads(out)
    return {None: report["verdict"], **{i["item_id"]: i["verdict"] for i in report["items"]}}


def expected_changes(where: Path, a: list[str], b: list[str]) -> list[tuple[str, str | None, str, str]]:
    out = []
    for path in sorted(p for p in where.iterdir() if p.suffix == ".yaml"):
        before, after = verdicts(path, *a), verdicts(path, *b)
        out += [(path.name, k, before[k], after[k]) for k in before if before[k] != after[k]]
    return out


def changes_of(stdout: str) -> list[tuple[str, str | None, str, str]]:
    return [(c["file"], c["item_id"], c["before"], c["after"]) for c in json.loads(stdout)["changes"]]


def test_two_days_list_what_check_says_changes_and_exit_3(tmp_path: Path) -> None:
    where = folder(tmp_path)
    code, out, err = run(
        "recheck", str(where), "--at", "2026-06-15", "--at", "2026-08-15", "--format", "json"
    )
    assert code == 3, err
    want = expected_changes(where, ["--as-of", "2026-06-15"], ["--as-of", "2026-08-15"])
    assert want and changes_of(out) == want
    result = json.loads(out)
    assert result["manifests"] == 4  # the PACT file a manifest names is its input, not a manifest
    assert result["a"]["as_of"] == "2026-06-15" and result["b"]["as_of"] == "2026-08-15"
    code, text, _ = run("recheck", str(where), "--at", "2026-06-15", "--at", "2026-08-15")
    assert "th-used-lathe-review.yaml" in text and "CLEAR -> REVIEW" in text


def test_a_new_bundle_against_the_shipped_one(tmp_path: Path) -> None:
    where = folder(tmp_path)
    bundle = bundle_without_ai_diagnostics(tmp_path)  # the lathe's AI-diagnostics requirement is gone
    code, out, err = run("recheck", str(where), "--against", str(bundle), "--format", "json")
    assert code in (0, 3), err
    result = json.loads(out)
    assert result["a"]["rulesets_sha256"] != result["b"]["rulesets_sha256"]
    assert changes_of(out) == expected_changes(where, [], ["--rulesets", str(bundle)])
    assert changes_of(out)  # the lathe's open AI-diagnostics question is gone
    assert code == 3


def test_nothing_changes_exit_0_and_bad_input_exit_2(tmp_path: Path) -> None:
    where = folder(tmp_path)
    code, out, _ = run("recheck", str(where), "--at", "2026-09-01", "--at", "2026-09-02", "--format", "json")
    assert code == 0 and json.loads(out)["changes"] == []
    assert (
        run("recheck", str(where), "--at", "2026-09-01")[0] == 2
    )  # one day and no other bundle: nothing to compare
    assert run("recheck", str(tmp_path / "none"), "--at", "2026-09-01", "--at", "2026-09-02")[0] == 2
    (where / "broken.yaml").write_text("shipment: {id: X}\n")
    code, _, err = run("recheck", str(where), "--at", "2026-09-01", "--at", "2026-09-02")
    assert code == 2 and "broken.yaml" in err  # a manifest that cannot be read stops the run, named
