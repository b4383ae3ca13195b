"""Decisions on review items: recorded in a file, owned, expiring, and applied the same way by
`check`, `inventory` and `explain` (the API's are in test_server_api.py)."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from helpers import SHIPMENTS
from realparts import COMPLIANCE

LATHE = SHIPMENTS / "th-used-lathe-review.yaml"
HOLD = SHIPMENTS / "vn-used-vmc-hold.yaml"
SAMPLE = SHIPMENTS / "decisions" / "decisions.yaml"
JOINT = "asean-joint-green-access-2026"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMPLIANCE, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def decision(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = yaml.safe_load(SAMPLE.read_text())["decisions"][0]
    base.update(over)
    return base


def decisions_file(tmp_path: Path, *ds: dict[str, Any], name: str = "decisions.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"decisions": list(ds)}, sort_keys=False))
    return path


def judged(manifest: Path, *args: str) -> tuple[int, dict[str, Any]]:
    done = run("check", str(manifest), "--format", "json", *args)
    assert done.returncode != 2, done.stderr
    return done.returncode, json.loads(done.stdout)


def requirement(report: dict[str, Any], ruleset: str, req: str) -> dict[str, Any]:
    rs = next(r for r in report["items"][0]["rulesets"] if r["ruleset"] == ruleset)
    return next(r for r in rs["requirements"] if r["id"] == req)


def test_an_accepted_decision_clears_the_review_and_says_who_why_and_until_when(tmp_path: Path) -> None:
    assert judged(LATHE)[0] == 3
    code, report = judged(LATHE, "--decisions", str(SAMPLE))
    assert code == 0 and report["verdict"] == "clear"
    req = requirement(report, JOINT, "ai-diagnostics")
    assert req["status"] == "satisfied"
    assert req["decision"]["id"] == "D-2026-014" and req["decision"]["expires"] == "2026-12-31"
    assert req["message_code"] == "decision-applied"
    assert report["decisions_applied"] == ["D-2026-014"] and report["decisions_unused"] == []
    text = run("check", str(LATHE), "--decisions", str(SAMPLE)).stdout
    assert "decision D-2026-014 by Ms Lan Nguyen" in text and "applies until 2026-12-31" in text
    vi = run("check", str(LATHE), "--decisions", str(SAMPLE), "--lang", "vi").stdout
    assert "Đã quyết định" in vi and "D-2026-014" in vi
    md = run("check", str(LATHE), "--decisions", str(SAMPLE), "--format", "markdown").stdout
    assert "D-2026-014" in md and "Ms Lan Nguyen" in md


def test_the_day_after_expiry_the_review_is_open_again_with_a_note(tmp_path: Path) -> None:
    path = decisions_file(tmp_path, decision(expires="2026-09-10"))
    on_the_day = judged(LATHE, "--decisions", str(path), "--as-of", "2026-09-10")
    assert on_the_day[0] == 0  # the expiry day itself still counts
    code, report = judged(LATHE, "--decisions", str(path), "--as-of", "2026-09-11")
    assert code == 3
    req = requirement(report, JOINT, "ai-diagnostics")
    assert req["status"] == "review" and req["decision"] is None
    assert [w["code"] for w in req["warnings_codes"]][-1] == "decision-expired"
    assert req["warnings_codes"][-1]["params"] == {"id": "D-2026-014", "expires": "2026-09-10"}


def test_a_decision_expiring_within_30_days_is_a_warning(tmp_path: Path) -> None:
    path = decisions_file(tmp_path, decision(expires="2026-10-01"))
    code, report = judged(LATHE, "--decisions", str(path))
    assert code == 0
    warning = requirement(report, JOINT, "ai-diagnostics")["warnings_codes"][-1]
    assert warning == {
        "code": "decision-expiring",
        "params": {"id": "D-2026-014", "expires": "2026-10-01", "days": 21},
    }


def test_a_decision_never_settles_a_missing_or_invalid_document(tmp_path: Path) -> None:
    forced = decision(id="D-FORCE", ruleset="vn-circular-12-2026", requirement="lca-report",
                      item={"shipment_item": "SHP-2026-0142/L1"}, destination="VN")  # fmt: skip
    code, report = judged(HOLD, "--decisions", str(decisions_file(tmp_path, forced)))
    assert code == 1 and report["verdict"] == "hold"
    req = requirement(report, "vn-circular-12-2026", "lca-report")
    assert req["status"] == "invalid" and req["decision"] is None
    assert req["warnings_codes"][-1]["code"] == "decision-not-applicable"
    assert report["decisions_applied"] == [] and report["decisions_unused"] == []


def test_a_rejected_decision_holds(tmp_path: Path) -> None:
    code, report = judged(LATHE, "--decisions", str(decisions_file(tmp_path, decision(outcome="reject"))))
    assert code == 1 and requirement(report, JOINT, "ai-diagnostics")["status"] == "failed"


def test_unused_decisions_are_listed_and_ignore_decisions_judges_without_them(tmp_path: Path) -> None:
    other = decision(id="D-OTHER", item={"manufacturer": "Nobody", "model": "X-1"})
    path = decisions_file(tmp_path, decision(), other)
    code, report = judged(LATHE, "--decisions", str(path))
    assert code == 0 and report["decisions_unused"] == ["D-OTHER"]
    assert {"code": "decision-unused", "params": {"id": "D-OTHER"}} in report["warnings_codes"]
    assert judged(LATHE, "--decisions", str(path), "--ignore-decisions")[0] == 3
    # Ignored means not read: even a broken file does not matter then.
    broken = tmp_path / "broken.yaml"
    broken.write_text("decisions: [")
    assert judged(LATHE, "--decisions", str(broken), "--ignore-decisions")[0] == 3


def test_a_decision_for_another_destination_or_machine_does_not_apply(tmp_path: Path) -> None:
    for over in ({"destination": "VN"}, {"item": {"serial_number": "OTHER-1"}},
                 {"item": {"manufacturer": "Example Lathe Works", "model": "LT-250"}}):  # fmt: skip
        code, report = judged(LATHE, "--decisions", str(decisions_file(tmp_path, decision(**over))))
        applies = "manufacturer" in over.get("item", {})
        assert code == (0 if applies else 3), over


def test_the_audit_line_lists_the_applied_decisions(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    run("check", str(LATHE), "--decisions", str(SAMPLE), "--audit-log", str(log))
    line = json.loads(log.read_text().splitlines()[-1])
    assert line["decisions_applied"] == ["D-2026-014"]
    assert any(i["path"].endswith("decisions.yaml") for i in line["inputs"])


def test_fingerprints_are_stable_and_name_no_line(tmp_path: Path) -> None:
    _, first = judged(LATHE)
    data = yaml.safe_load(LATHE.read_text())
    data["documents"].reverse()
    moved = tmp_path / "moved.yaml"
    moved.write_text("# a comment moves every line\n\n" + yaml.safe_dump(data, sort_keys=False))
    _, again = judged(moved)
    fp = requirement(first, JOINT, "ai-diagnostics")["fingerprint"]
    assert fp == requirement(again, JOINT, "ai-diagnostics")["fingerprint"]
    data["shipment"]["destination"] = "VN"
    elsewhere = tmp_path / "vn.yaml"
    elsewhere.write_text(yaml.safe_dump(data, sort_keys=False))
    _, vn = judged(elsewhere)
    assert requirement(vn, JOINT, "ai-diagnostics")["fingerprint"] != fp


def test_the_inventory_applies_the_same_decisions(tmp_path: Path) -> None:
    data = yaml.safe_load(LATHE.read_text())
    docs = [{k: v for k, v in d.items() if k != "covers"} for d in data["documents"]]
    (tmp_path / "documents.yaml").write_text(yaml.safe_dump({"documents": docs}))
    item = data["items"][0]
    with (tmp_path / "stock.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "machine_type", "manufactured", "condition", "hs_code", "manufacturer", "model",
                    "serial_number", "country_of_manufacture", "documents"])  # fmt: skip
        w.writerow([item["id"], item["machine_type"], item["manufactured"], item["condition"], item["hs_code"],
                    item["manufacturer"], item["model"], item["serial_number"], item["country_of_manufacture"],
                    ";".join(d["id"] for d in docs)])  # fmt: skip
    base = [
        "inventory",
        "stock.csv",
        "--documents",
        "documents.yaml",
        "--destination",
        "TH",
        "--as-of",
        "2026-09-10",
    ]
    without = run(*base, "-o", "without.csv", cwd=tmp_path)
    assert without.returncode == 3, without.stderr
    other = decision(id="D-OTHER", item={"serial_number": "NONE"})
    path = decisions_file(tmp_path, decision(), other)
    with_them = run(*base, "--decisions", str(path), "-o", "with.csv", cwd=tmp_path)
    assert with_them.returncode == 0, with_them.stderr
    assert "decision D-OTHER matched nothing" in with_them.stderr
    row = next(csv.DictReader((tmp_path / "with.csv").open()))
    assert row["verdict"] == "clear"
    assert "decision D-2026-014 (accept) until 2026-12-31" in row["reasons"]
    explained = run(
        "explain", str(LATHE), "--item", "T1", "--ruleset", JOINT, "--decisions", str(path)
    ).stdout
    assert "decision D-2026-014 (accept, until 2026-12-31) settles the review" in explained


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"expires": None}, "decisions[0].expires"),
        ({"expires": "2026-01-01"}, "decisions[0]"),
        ({"outcome": "maybe"}, "decisions[0].outcome"),
        ({"requirement": "ai-diagnostic"}, "decisions[0].requirement"),
        ({"ruleset": "nope"}, "decisions[0].ruleset"),
        ({"item": {"serial_number": "A", "model": "B", "manufacturer": "C"}}, "decisions[0].item"),
        ({"colour": "red"}, "decisions[0].colour"),
    ],
)
def test_a_bad_decisions_file_is_bad_input_naming_file_line_and_field(
    tmp_path: Path, over: dict[str, Any], field: str
) -> None:
    d = decision(**over)
    if over.get("expires", "x") is None:
        del d["expires"]
    path = decisions_file(tmp_path, d)
    out = tmp_path / "out.json"
    done = run("check", str(LATHE), "--decisions", str(path), "--format", "json", "-o", str(out))
    assert done.returncode == 2
    assert f"{path}:" in done.stderr and field in done.stderr
    assert not out.exists()


def test_a_repeated_decision_id_is_refused(tmp_path: Path) -> None:
    done = run("check", str(LATHE), "--decisions", str(decisions_file(tmp_path, decision(), decision())))
    assert done.returncode == 2 and "given twice" in done.stderr


def test_the_decisions_schema_validates_the_sample_and_refuses_a_typo() -> None:
    schema = json.loads(run("schema", "decisions").stdout)
    data = yaml.safe_load(SAMPLE.read_text())
    jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
    data["decisions"][0]["outcom"] = "accept"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)
