"""Ruleset authoring: the shipped cases pass with full coverage; lint catches each class of error;
coverage, diff and explain report what an analyst needs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers import ROOT, SHIPMENTS

from compliance.authoring.cases import cases_path, lint_file, run_cases
from compliance.cli import cli
from compliance.reading.inputs import load_ruleset, ruleset_files

RULESETS = ROOT / "rulesets"
CIRC = RULESETS / "vn-circular-12-2026.yaml"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("path", ruleset_files(RULESETS), ids=lambda p: p.stem)
def test_shipped_ruleset_cases_pass_with_full_coverage(path: Path):
    results, coverage = run_cases(load_ruleset(path), cases_path(path))
    assert [(r.name, r.failures) for r in results if r.failures] == []
    assert coverage.uncovered() == []


@pytest.mark.parametrize("path", ruleset_files(RULESETS), ids=lambda p: p.stem)
def test_shipped_rulesets_lint_clean(path: Path):
    assert [str(p) for p in lint_file(path)] == []


def broken(tmp_path: Path, mutate, *, with_cases: bool = True) -> Path:
    data = yaml.safe_load(CIRC.read_text(encoding="utf-8"))
    mutate(data)
    out = tmp_path / CIRC.name
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if with_cases:
        shutil.copy(cases_path(CIRC), cases_path(out))
    return out


def req(data: dict, v: int = 0, r: int = 0) -> dict:
    return data["versions"][v]["requirements"][r]


LINT_CASES = {
    "schema: unknown key": (lambda d: req(d).update(severty="blocking"), "unknown key 'severty'"),
    "missing citation": (lambda d: req(d).pop("citation"), "citation"),
    "no Vietnamese": (lambda d: req(d)["action"].pop("vi"), "action has no Vietnamese"),
    "unknown document type": (lambda d: req(d).update(documents=["passport"]), "passport"),
    "unknown stage": (lambda d: req(d)["checks"][0].update(stages=["A1", "Z9"]), "Z9"),
    "unknown field": (
        lambda d: req(d)["checks"][1].update(equals={"destination_port": "VN"}),
        "unknown document field",
    ),
    "overlapping versions that are law": (
        lambda d: (d["versions"][1].pop("status"), d["versions"][0].update(effective_to="2027-03-01")),
        "overlap",
    ),
    "gapped versions that are law": (
        lambda d: (d["versions"][1].pop("status"), d["versions"][0].update(effective_to="2026-09-30")),
        "gap",
    ),
    "citation quotes nothing": (lambda d: req(d)["citation"].update(quote="   "), "quotes nothing"),
    "citation from an unlisted source": (
        lambda d: req(d)["citation"].update(source="somewhere"),
        "not in sources",
    ),
    "citation names a file": (
        lambda d: req(d)["citation"].update(locator="news-file.txt para. 4"),
        "names a file",
    ),
    "quotation too long": (lambda d: req(d)["citation"].update(quote="word " * 40), "quote at most"),
    "never holds: impossible value": (
        lambda d: req(d)["checks"].append({"equals": {"issuer_role": "manufacturer"}}),
        "can never be",
    ),
    "never holds: for_types outside the requirement": (
        lambda d: req(d)["checks"].append({"standards": ["ISO 14067"], "for_types": ["epd"]}),
        "never applies",
    ),
    "never applies: empty scope": (
        lambda d: d["versions"][0]["scope"].update(machine_types=[]),
        "can never apply",
    ),
}


@pytest.mark.parametrize("name", sorted(LINT_CASES))
def test_lint_catches_each_class(tmp_path, name):
    mutate, fragment = LINT_CASES[name]
    problems = [str(p) for p in lint_file(broken(tmp_path, mutate))]
    assert any(fragment in p for p in problems), problems
    assert all(str(tmp_path) in p for p in problems)


def test_lint_names_line_and_requirement(tmp_path):
    path = broken(tmp_path, lambda d: req(d)["title"].pop("vi"))
    (problem,) = lint_file(path)
    assert problem.line is not None
    assert "requirement lca-report" in problem.where


def test_lint_cli_exit_2_on_errors(tmp_path):
    path = broken(tmp_path, lambda d: req(d)["title"].pop("vi"))
    result = invoke("rulesets", "lint", str(path))
    assert result.exit_code == 2
    assert "lca-report" in result.stderr
    assert invoke("rulesets", "lint").exit_code == 0


def test_requirements_without_cases_are_reported(tmp_path):
    path = broken(tmp_path, lambda d: None, with_cases=False)
    assert any("no test cases" in str(p) for p in lint_file(path))


def test_coverage_finds_a_deliberately_uncovered_requirement(tmp_path):
    extra = {
        "id": "uncovered-epd", "title": {"en": "EPD", "vi": "EPD"}, "action": {"en": "get one", "vi": "xin"},
        "citation": {"source": "trade-report", "quote": "test"}, "severity": "warning", "documents": ["epd"],
    }  # fmt: skip
    path = broken(tmp_path, lambda d: d["versions"][0]["requirements"].append(extra))
    _, coverage = run_cases(load_ruleset(path), cases_path(path))
    # Every case lacks an EPD, so the requirement is never satisfied (but is unmet).
    assert coverage.uncovered() == ["1/uncovered-epd: no case where it is satisfied"]
    result = invoke("rulesets", "test", str(path), "--require-coverage")
    assert result.exit_code == 1
    assert "uncovered: 1/uncovered-epd" in result.stdout
    assert invoke("rulesets", "test", str(path)).exit_code == 0


def test_a_wrong_expectation_fails(tmp_path):
    path = broken(tmp_path, lambda d: None)
    cases = cases_path(path)
    cases.write_text(
        cases.read_text().replace(
            "verdict: clear, requirements: {lca-report: satisfied}}}", "verdict: hold}}", 1
        )
    )
    result = invoke("rulesets", "test", str(path))
    assert result.exit_code == 1
    assert "verdict clear, expected hold" in result.stdout


def test_diff_finds_date_removed_requirement_and_severity(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text(CIRC.read_text(encoding="utf-8"), encoding="utf-8")
    data = yaml.safe_load(CIRC.read_text(encoding="utf-8"))
    data["versions"] = [data["versions"][0]]
    data["versions"][0]["effective_from"] = "2026-08-01"
    data["versions"][0]["requirements"][0]["severity"] = "warning"
    extra = dict(data["versions"][0]["requirements"][0], id="second")
    data["versions"][0]["requirements"].append(extra)
    b = tmp_path / "b.yaml"
    b.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = invoke("rulesets", "diff", str(b), str(a), "--at", "2026-08-15", "--format", "json")
    d = json.loads(result.stdout)
    assert d["dates"]["effective_from"] == ["2026-08-01", "2026-07-01"]
    assert d["requirements_removed"] == ["second"]
    assert d["requirements_changed"]["lca-report"]["severity"] == ["warning", "blocking"]
    text = invoke("rulesets", "diff", str(b), str(a), "--at", "2026-08-15").stdout
    assert "- requirement second" in text and "~ requirement lca-report severity: warning -> blocking" in text


def test_diff_of_one_id_at_two_dates_with_impact():
    inv = SHIPMENTS / "inventory"
    result = invoke("rulesets", "diff", "vn-circular-12-2026", "--at", "2026-07-01", "--at", "2027-01-01", "--drafts",
                    "--inventory", str(inv / "stock.csv"), "--documents", str(inv / "documents.yaml"), "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["b"] == "vn-circular-12-2026 version 2-draft"
    assert "checks" in d["requirements_changed"]["lca-report"]
    assert d["impact"]["rows"] == 7
    assert {(c["id"], c["a"], c["b"]) for c in d["impact"]["rows_changed"]} == {
        ("INV-001", "clear", "hold"),
        ("INV-002", "clear", "hold"),
    }


def test_explain_names_the_deciding_facts():
    result = invoke(
        "explain",
        str(SHIPMENTS / "vn-used-vmc-hold.yaml"),
        "--item",
        "L1",
        "--ruleset",
        "vn-circular-12-2026",
    )
    assert result.exit_code == 0
    out = result.stdout
    assert "age 7..7 years" in out and "calendar age 7" in out
    assert "CNAS-V-1207: body found CNAS, body required VinaCert" in out
    assert "document states [A1, A2, A3]" in out
    assert "requirement lca-report (blocking): INVALID" in out
    assert invoke("explain", str(SHIPMENTS / "vn-used-vmc-hold.yaml"), "--item", "NOPE").exit_code == 2


def test_diff_of_two_files_compares_every_version(tmp_path):
    # Only version 1's date changes; the latest version (the draft) is the same on both sides.
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    text = CIRC.read_text(encoding="utf-8")
    a.write_text(text, encoding="utf-8")
    b.write_text(
        text.replace("effective_from: 2026-07-01", "effective_from: 2026-08-01", 1), encoding="utf-8"
    )
    for extra in ([], ["--drafts"]):
        out = invoke("rulesets", "diff", str(a), str(b), *extra).stdout
        assert "version 1:" in out and "effective_from: 2026-07-01 -> 2026-08-01" in out
    c = tmp_path / "c.yaml"
    data = yaml.safe_load(text)
    data["versions"].append({**data["versions"][0], "version": "3", "effective_from": "2029-01-01"})
    c.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    d = json.loads(invoke("rulesets", "diff", str(a), str(c), "--format", "json").stdout)
    assert d["versions_added"] == ["3"] and d["versions_removed"] == []
    assert [v["a"] for v in d["versions"]] == ["vn-circular-12-2026 version 1"]


def test_list_and_show():
    out = invoke("rulesets", "list").stdout
    assert "version 2-draft: from 2027-01-01 (draft, anticipated)" in out
    vi = invoke("rulesets", "show", "vn-circular-12-2026", "--lang", "vi").stdout
    assert "Báo cáo dấu chân carbon" in vi and "trích dẫn: Thông tư 12/2026/TT-BCT" in vi


def test_drafts_stay_out_of_checks_unless_asked():
    plain = json.loads(invoke("check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"), "--format", "json").stdout)
    assert plain["upcoming"] == []
    with_drafts = json.loads(
        invoke("check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"), "--drafts", "--format", "json").stdout
    )
    assert [(u["version"], u["effective_from"]) for u in with_drafts["upcoming"]] == [
        ("2-draft", "2027-01-01")
    ]


@pytest.mark.parametrize("path", sorted(SHIPMENTS.glob("*.yaml")), ids=lambda p: p.stem)
def test_explain_covers_every_item_and_check_kind(path: Path):
    # Every check kind explains itself: a kind added without its `seen` once crashed explain.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in data["items"]:
        result = invoke("explain", str(path), "--item", str(item["id"]), "--drafts")
        assert result.exit_code == 0, (item["id"], result.output)
        assert f"item {item['id']}" in result.stdout.lower() or str(item["id"]) in result.stdout


def test_rulesets_show_in_vietnamese_has_vietnamese_labels() -> None:
    vi = invoke("rulesets", "show", "vn-circular-12-2026", "--lang", "vi").stdout
    labels = [line.strip().split(":")[0] for line in vi.splitlines() if ":" in line]
    for english in ("instrument", "source confidence", "sources", "action", "citation", "scope", "documents"):
        assert english not in labels, english
    assert "(in force)" not in vi and "[blocking]" not in vi
    assert "văn bản:" in vi and "việc cần làm:" in vi and "[bắt buộc]" in vi and "có hiệu lực" in vi
