"""Verdicts that stay right: rules over time, every valid number, words a customs officer can read.

Each test here failed on the version before the amended contract: a machining centre clearing from 2027
because version 1 had an end date, a primary-data share of 5e-05 killing the process, Decision 18
answering review where nothing was offered, PACT dates turning a shipment into bad input, citations
naming files of this repository, Python values in sentences, and destinations no ruleset covers clearing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from helpers import ROOT, SHIPMENTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import manifests

from compliance.api import check
from compliance.cli import cli
from compliance.judging.facts import add_years
from compliance.models.manifest import Manifest, manufactured_bounds
from compliance.models.registry import Registry
from compliance.models.report import Report
from compliance.models.ruleset import Ruleset
from compliance.reading.inputs import load_manifest, load_registry, load_rulesets
from compliance.render.words import localize

SAMPLES = sorted(SHIPMENTS.glob("*.yaml")) + sorted(SHIPMENTS.glob("*.json"))
SAMPLE_MANIFESTS = [p for p in SAMPLES if "pact-footprint-v3" not in p.name]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


# -- versions in force --------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2027-01-01", "2027-02-01", "2030-06-15", "2031-12-31"])
def test_circular_12_holds_after_2026_without_drafts(day: str) -> None:
    code, out, _ = run("check", str(SHIPMENTS / "vn-used-vmc-hold.yaml"), "--as-of", day, "--format", "json")
    assert code == 1
    report = json.loads(out)
    c12 = next(r for r in report["items"][0]["rulesets"] if r["ruleset"] == "vn-circular-12-2026")
    assert c12["applies"] and c12["version"] == "1" and c12["verdict"] == "hold"


def test_a_draft_replaces_version_1_only_with_drafts() -> None:
    _, out, _ = run("check", str(SHIPMENTS / "vn-used-vmc-hold.yaml"), "--as-of", "2027-02-01", "--drafts",
                    "--format", "json")  # fmt: skip
    c12 = next(r for r in json.loads(out)["items"][0]["rulesets"] if r["ruleset"] == "vn-circular-12-2026")
    assert c12["version"] == "2-draft"


def test_version_chain_of_law(tmp_path: Path) -> None:
    rs = load_rulesets(drafts=True)
    c12 = next(r for r in rs if r.id == "vn-circular-12-2026")
    assert c12.version_on(dt.date(2026, 6, 30)) is None
    assert c12.version_on(dt.date(2026, 7, 1)).version == "1"  # type: ignore[union-attr]
    assert c12.version_on(dt.date(2026, 12, 31)).version == "1"  # type: ignore[union-attr]
    assert c12.version_on(dt.date(2027, 1, 1)).version == "2-draft"  # type: ignore[union-attr]
    law = next(r for r in load_rulesets() if r.id == "vn-circular-12-2026")
    assert law.version_on(dt.date(2031, 1, 1)).version == "1"  # type: ignore[union-attr]


# -- time travel --------------------------------------------------------------------------------


def _critical_days(manifest: Manifest, rulesets: list[Ruleset], registry: Registry) -> set[dt.date]:
    """Every day on which a verdict may change, computed independently of the checker: a version
    starts or ends, an age limit is crossed, a document or accreditation starts or stops being valid."""
    days: set[dt.date] = set()
    for rs in rulesets:
        for v in rs.versions:
            days.add(v.effective_from)
            if v.effective_to:
                days.add(v.effective_to + dt.timedelta(days=1))
    for item in manifest.items:
        for made in manufactured_bounds(item.manufactured):
            for years in (5,):
                days.add(add_years(made, years) + dt.timedelta(days=1))
        first_year = manufactured_bounds(item.manufactured)[0].year
        for years in (10, 20):  # Decision 18: calendar years, so the first day of a year
            days.add(dt.date(first_year + years + 1, 1, 1))
    for doc in manifest.documents:
        for day in (doc.issued, doc.valid_from):
            if day:
                days.add(day)
        if doc.valid_until:
            days.add(doc.valid_until + dt.timedelta(days=1))
    for acc in registry.entries.values():
        days.update({acc.valid_from, acc.valid_until + dt.timedelta(days=1)})
        if acc.status_since:
            days.add(acc.status_since)
    return days


def _months() -> list[dt.date]:
    return [dt.date(y, m, 1) for y in range(2019, 2032) for m in range(1, 13)]


@pytest.mark.parametrize("drafts", [False, True], ids=["law", "with-drafts"])
@pytest.mark.parametrize("path", SAMPLE_MANIFESTS, ids=lambda p: p.stem)
def test_verdicts_change_only_when_the_law_or_a_date_does(path: Path, drafts: bool) -> None:
    rulesets = load_rulesets(drafts=drafts)
    registry = load_registry([])
    manifest = load_manifest(path).manifest
    critical = _critical_days(manifest, rulesets, registry)
    earliest_made = max(manufactured_bounds(i.manufactured)[0] for i in manifest.items)
    previous: tuple[dt.date, dict[str, str]] | None = None
    for day in _months():
        if day < earliest_made:
            continue  # a machine cannot be judged before it was made (bad input)
        report = check(manifest, rulesets, registry, as_of=day, with_upcoming=False)
        verdicts = {i.item_id: i.verdict for i in report.items} | {"": report.verdict}
        if previous is not None and verdicts != previous[1]:
            before = previous[0]
            assert any(before < c <= day for c in critical), (
                f"{path.name}: verdicts changed between {before} and {day} ({previous[1]} -> {verdicts}) "
                "with no version, age or document date in between"
            )
        previous = (day, verdicts)


@pytest.mark.parametrize("day", ["2027-03-01", "2030-01-15"])
def test_named_holds_stay_holds(day: str) -> None:
    for name in ("vn-used-vmc-hold.yaml", "vn-container-mixed.yaml"):
        code, out, _ = run("check", str(SHIPMENTS / name), "--as-of", day, "--format", "json")
        assert code == 1, name
        assert json.loads(out)["verdict"] == "hold"


# -- numbers reach the engine in a form it reads ------------------------------------------------


def _tender_manifest(tmp_path: Path, share: object) -> Path:
    data = {
        "shipment": {"id": "N1", "origin": "CN", "destination": "DE", "arrival_date": "2026-11-30",
                     "tender": {"country": "DE", "carbon_criterion": "mandatory"}},
        "items": [{"id": "M1", "machine_type": "machining_center", "manufactured": "2026-09-01", "condition": "new"}],
        "documents": [{"id": "TR", "type": "carbon_footprint_report", "issued": "2026-10-15",
                       "standards": ["ISO/TR 24122"], "primary_data_share": share}],
    }  # fmt: skip
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(("share", "status"), [(5e-05, "satisfied"), (1e-9, "satisfied"), (1e-12, "satisfied"),
                                                (0.0, "invalid"), (1.0, "satisfied")])  # fmt: skip
def test_any_primary_data_share_is_an_ordinary_number(tmp_path: Path, share: float, status: str) -> None:
    # In a subprocess: a crash of the C engine must show as a failed test, not a dead test run.
    path = _tender_manifest(tmp_path, share)
    proc = subprocess.run([sys.executable, "-m", "compliance", "check", str(path), "--format", "json",
                           "--ruleset", "iso-tr-24122-green-tender"], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    req = json.loads(proc.stdout)["items"][0]["rulesets"][0]["requirements"]
    assert {r["id"]: r["status"] for r in req}["tr24122-primary-data"] == status


DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
TEXT = st.one_of(st.text(max_size=3), st.text(min_size=500, max_size=2000),
                 st.sampled_from(['"quoted"', "back\\slash", "Tiếng Việt có dấu", "日本語", "\u202e", "a\nb"]))  # fmt: skip


@st.composite
def extreme_manifests(draw: st.DrawFn) -> Manifest:
    arrival = draw(DATES)
    made = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=arrival))
    doc: dict[str, object] = {
        "id": "D1", "type": "carbon_footprint_report", "issued": draw(DATES).isoformat(),
        "valid_until": draw(DATES).isoformat(), "standards": ["ISO 14067", "ISO/TR 24122", draw(TEXT)],
        "stages": ["A1", "A2", "A3", "A4"], "ghg_scopes": [1, 2, 3], "transport_destination": "VN",
        "functional_unit": draw(TEXT), "system_boundary": draw(TEXT),
        "primary_data_share": draw(st.one_of(st.sampled_from([0.0, 1e-300, 1e-12, 5e-05, 1.0]),
                                             st.floats(0, 1, allow_nan=False))),
        "verifier": {"name": draw(TEXT), "accreditations": ["VC-LCA-0042", "DAkkS-D-PL-0815"]},
    }  # fmt: skip
    ai = {"id": "A1", "type": "ai_diagnostics_attestation", "issued": draw(DATES).isoformat(), "issuer_role": "oem",
          "capabilities": ["remote_diagnostics", "predictive_maintenance"], "delivery": "factory_installed",
          "software_version": draw(TEXT), "sensors": [draw(TEXT)], "protocols": [draw(TEXT)]}  # fmt: skip
    mc = {"id": "MC", "type": "manufacturer_certificate", "issued": draw(DATES).isoformat(), "legalised": True,
          "languages": ["vi-VN", draw(st.sampled_from(["x", "zh-Hant-TW", "VI"]))]}  # fmt: skip
    return Manifest.model_validate(
        {
            "shipment": {
                "id": "X",
                "origin": "CN",
                "destination": draw(st.sampled_from(["VN", "TH", "DE"])),
                "arrival_date": arrival.isoformat(),
                "tender": {"country": "DE"},
            },
            "items": [
                {
                    "id": "I1",
                    "machine_type": "machining_center",
                    "manufactured": made.isoformat(),
                    "condition": draw(st.sampled_from(["new", "used"])),
                    "manufacturer": draw(TEXT),
                    "country_of_manufacture": "JP",
                }
            ],
            "documents": [doc, ai, mc],
        }  # fmt: skip
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=extreme_manifests())
def test_extreme_values_reach_a_verdict(m: Manifest) -> None:
    report = check(m, load_rulesets(drafts=True), load_registry([]))
    assert [i.verdict for i in report.items] != [] and report.verdict in ("clear", "review", "hold")


def test_the_process_never_dies_silently() -> None:
    # A fault in the C engine kills the checking process; the parent says so and exits 70.
    script = (
        "import os, signal, compliance.cli as c\n"
        "c._run = lambda: os.kill(os.getpid(), signal.SIGSEGV)\n"
        "c.main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, "check", "x.yaml"], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert proc.returncode == 70
    assert "died (SIGSEGV)" in proc.stderr and "no verdict" in proc.stderr
    assert proc.stdout == ""


# -- sentences a person reads -------------------------------------------------------------------

PROGRAMMING = re.compile(r"\bNone\b|\bTrue\b|\bFalse\b|\[\]|\{\}|\['|\[\"|\bnan\b|\binf\b")


def _sentences(report: Report) -> list[Any]:
    out = list(report.warnings)
    for item in report.items:
        out += [f.message for f in item.findings]
        for rs in item.rulesets:
            out += [rs.reason or ""]
            for req in rs.requirements:
                out += [req.message, req.citation, *req.warnings]
                out += [p for t in req.trials for p in t.problems]
    return out


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("path", SAMPLE_MANIFESTS, ids=lambda p: p.stem)
def test_sample_sentences_have_no_programming_values(path: Path, lang: str) -> None:
    report = localize(
        check(load_manifest(path).manifest, load_rulesets(drafts=True), load_registry([])), lang
    )
    bad = [s for s in _sentences(report) if PROGRAMMING.search(s)]
    assert bad == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=manifests(), lang=st.sampled_from(["en", "vi"]))
def test_generated_sentences_have_no_programming_values(m: Manifest, lang: str, registry) -> None:
    report = localize(check(m, load_rulesets(drafts=True), registry), lang)
    bad = [s for s in _sentences(report) if PROGRAMMING.search(s)]
    assert bad == []


def test_missing_share_reads_as_words(tmp_path: Path) -> None:
    path = _tender_manifest(tmp_path, None)
    code, out, _ = run("check", str(path), "--format", "json", "--ruleset", "iso-tr-24122-green-tender")
    req = json.loads(out)["items"][0]["rulesets"][0]["requirements"]
    message = {r["id"]: r["message"] for r in req}["tr24122-primary-data"]
    assert "does not state its primary data share" in message and "None" not in message


# -- citations a reader can follow --------------------------------------------------------------

FILE_NAMES = re.compile(r"\.txt\b|\.ya?ml\b|shared/|seeds?\b|para\. ?\d", re.IGNORECASE)


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
def test_nothing_a_user_sees_names_a_file_of_ours(fmt: str) -> None:
    for path in SAMPLE_MANIFESTS:
        _, out, _ = run("check", str(path), "--format", fmt)
        hits = [m.group(0) for m in FILE_NAMES.finditer(out.replace(path.name, ""))
                if "registry" not in out[max(0, m.start() - 40):m.end()]]  # fmt: skip
        assert hits == [], (path.name, fmt, hits[:3])
    _, shown, _ = run("rulesets", "show", "vn-circular-12-2026")
    assert not FILE_NAMES.search(shown)


def test_every_citation_names_the_instrument_and_quotes_its_source() -> None:
    for rs in load_rulesets(drafts=True):
        for v in rs.versions:
            for req in v.requirements:
                text = rs.cite(req.citation)
                assert text.startswith(rs.instrument)
                assert f'"{req.citation.quote}"' in text
                assert rs.source(req.citation.source).title in text


# -- documents' own dates -----------------------------------------------------------------------

PACT = ROOT / "tests" / "data" / "pact" / "v3-example-1.json"


def _pact_manifest(tmp_path: Path, **pact: object) -> Path:
    data = json.loads(PACT.read_text(encoding="utf-8"))
    data.update(pact)
    (tmp_path / "fp.json").write_text(json.dumps(data), encoding="utf-8")
    m = {
        "shipment": {"id": "P1", "origin": "DE", "destination": "VN", "arrival_date": "2026-09-01"},
        "items": [{"id": "L1", "machine_type": "machining_center", "manufactured": "2026-01-10", "condition": "new"}],
        "documents": [{"id": "CFP", "type": "carbon_footprint_report", "pact_file": "fp.json", "issued": "2026-08-01",
                       "stages": ["A1", "A2", "A3", "A4"], "transport_destination": "VN",
                       "verifier": {"accreditations": ["VC-LCA-0042"]}}],
    }  # fmt: skip
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(m), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("pact", "fragment"),
    [
        ({"validityPeriodEnd": "2026-06-30T00:00:00Z"}, "before its own issue date 2026-08-01"),
        ({"status": "Deprecated"}, "deprecated"),
        ({"validityPeriodStart": "2026-12-01T00:00:00Z"}, "not valid before 2026-12-01"),
    ],
)
def test_pact_dates_and_status_make_the_document_invalid(tmp_path: Path, pact: dict, fragment: str) -> None:
    code, out, err = run("check", str(_pact_manifest(tmp_path, **pact)), "--format", "json",
                         "--ruleset", "vn-circular-12-2026")  # fmt: skip
    assert code == 1, err
    req = json.loads(out)["items"][0]["rulesets"][0]["requirements"][0]
    assert req["status"] == "invalid" and fragment in req["message"]


def test_valid_until_before_issue_is_an_invalid_document_not_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump({
        "shipment": {"id": "V1", "origin": "CN", "destination": "TH", "arrival_date": "2026-09-10"},
        "items": [{"id": "T1", "machine_type": "cnc_lathe", "manufactured": "2018-04-20", "condition": "used"},
                  {"id": "T2", "machine_type": "cnc_lathe", "manufactured": "2024-04-20", "condition": "used"}],
        "documents": [{"id": "CE", "type": "ce_declaration", "issued": "2026-01-01", "valid_until": "2025-01-01"}],
    }), encoding="utf-8")  # fmt: skip
    code, out, _ = run("check", str(path), "--format", "json")
    assert code == 1
    report = json.loads(out)
    ce = next(r for r in report["items"][0]["rulesets"][0]["requirements"] if r["id"] == "ce-or-iso")
    assert ce["status"] == "invalid" and "before its own issue date" in ce["message"]
    assert report["items"][1]["verdict"] == "clear"  # the rest is still judged


# -- destinations no ruleset covers -------------------------------------------------------------


def test_a_destination_no_ruleset_covers_is_review(tmp_path: Path) -> None:
    data = yaml.safe_load((SHIPMENTS / "vn-new-vmc-clear.yaml").read_text(encoding="utf-8"))
    data["shipment"]["destination"] = "MY"
    path = tmp_path / "my.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, out, _ = run("check", str(path), "--format", "json")
    assert code == 3
    report = json.loads(out)
    assert report["verdict"] == "review"
    for item in report["items"]:
        assert [f["id"] for f in item["findings"]] == ["destination-not-covered"]
        assert "no ruleset covers imports into MY" in item["findings"][0]["message"]
    data["shipment"]["tender"] = {"country": "MY", "carbon_criterion": "mandatory"}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    _, out, _ = run("check", str(path), "--format", "json")
    assert all(f["id"] != "destination-not-covered" for i in json.loads(out)["items"] for f in i["findings"])


def test_national_accreditation_body_warning() -> None:
    _, out, _ = run("check", str(SHIPMENTS / "th-used-lathe-review.yaml"), "--format", "json")
    reqs = [r for i in json.loads(out)["items"] for rs in i["rulesets"] for r in rs.get("requirements", [])
            if r["id"] == "carbon-statement" and r["status"] == "satisfied"]  # fmt: skip
    assert reqs and all(any("national accreditation body of TH" in w for w in r["warnings"]) for r in reqs)


def test_engine_death_guard_is_inert_for_a_normal_run() -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795000000"}
    proc = subprocess.run([sys.executable, "-m", "compliance", "check", str(SHIPMENTS / "vn-used-vmc-hold.yaml")],
                          capture_output=True, text=True, timeout=120, env=env)  # fmt: skip
    assert proc.returncode == 1 and "HOLD" in proc.stdout
