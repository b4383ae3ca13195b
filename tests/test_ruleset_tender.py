"""iso-tr-24122-green-tender: severity follows the tender's carbon criterion."""

from __future__ import annotations

import pytest
from helpers import en, has, item, judge, manifest, requirement, ruleset_of

RS = "iso-tr-24122-green-tender"
STAGES = ["A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4", "B5", "B6", "B7", "C1", "C2", "C3", "C4"]


def tr_report(**over):
    doc = {
        "id": "TR", "type": "carbon_footprint_report", "issued": "2026-06-01", "standards": ["ISO/TR 24122"],
        "stages": STAGES, "ghg_scopes": [1, 2, 3], "functional_unit": "kg CO2e per machine-hour",
        "system_boundary": "cradle-to-grave", "primary_data_share": 0.4,
        "verifier": {"name": "China Verify", "accreditations": ["CNAS-1"]},
    }  # fmt: skip
    doc.update(over)
    return doc


def tender(criterion=None):
    t = {"country": "DE", "reference": "2026/S 1-1"}
    if criterion:
        t["carbon_criterion"] = criterion
    return t


def new_item(**over):
    return item(**{"condition": "new", "manufactured": "2026-03-01", **over})


def run(rulesets, registry, docs, criterion="mandatory", **item_over):
    m = manifest(destination="DE", items=[new_item(**item_over)], documents=docs, tender=tender(criterion))
    return judge(m, rulesets, registry, only=RS)


def test_full_report_clears(rulesets, registry):
    report = run(rulesets, registry, [tr_report()])
    rs = ruleset_of(report, RS)
    assert rs.verdict == "clear"
    assert {r.id: r.status for r in rs.requirements} == {
        "tr24122-report": "satisfied",
        "tr24122-primary-data": "satisfied",
    }


def test_no_tender_no_rule(rulesets, registry):
    report = judge(manifest(destination="DE", items=[new_item()]), rulesets, registry, only=RS)
    assert not ruleset_of(report, RS).applies


@pytest.mark.parametrize(
    ("change", "code", "params"),
    [
        ({"standards": ["ISO 14067"]}, "list-lacking", {"lacking": "ISO/TR 24122"}),
        ({"ghg_scopes": [1, 2]}, "list-lacking", {"label": "GHG scope(s)", "lacking": "3"}),
        ({"functional_unit": None}, "field-not-stated", {"fields": "functional unit"}),
        ({"system_boundary": None}, "field-not-stated", {"fields": "system boundary"}),
        ({"stages": STAGES[:4]}, "list-lacking", {"lacking": ", ".join(STAGES[4:])}),
        (
            {"verifier": {"name": "x", "accreditations": ["VC-9999"]}},
            "accreditation-not-in-registry",
            {"id": "VC-9999"},
        ),
    ],
)
def test_each_report_condition_can_fail(rulesets, registry, change, code, params):
    req = requirement(run(rulesets, registry, [tr_report(**change)]), RS, "tr24122-report")
    assert req.status == "invalid"
    assert has(req.message, code, **params)


def test_missing_report(rulesets, registry):
    report = run(rulesets, registry, [])
    assert requirement(report, RS, "tr24122-report").status == "missing"
    assert requirement(report, RS, "tr24122-primary-data").status == "missing"
    assert report.verdict == "hold"


def test_primary_data_from_report_share_or_epd_or_energy_records(rulesets, registry):
    no_share = tr_report(primary_data_share=0)
    assert requirement(run(rulesets, registry, [no_share]), RS, "tr24122-primary-data").status == "invalid"
    epd = {"id": "EPD", "type": "epd", "issued": "2026-01-01"}
    assert (
        requirement(run(rulesets, registry, [no_share, epd]), RS, "tr24122-primary-data").status
        == "satisfied"
    )
    energy = {"id": "EN", "type": "energy_records", "issued": "2026-01-01"}
    assert (
        requirement(run(rulesets, registry, [no_share, energy]), RS, "tr24122-primary-data").status
        == "satisfied"
    )


@pytest.mark.parametrize(
    ("criterion", "severity", "verdict"),
    [("mandatory", "blocking", "hold"), ("scoring", "warning", "clear"), ("voluntary", "info", "clear")],
)
def test_severity_follows_the_criterion(rulesets, registry, criterion, severity, verdict):
    report = run(rulesets, registry, [], criterion=criterion)
    req = requirement(report, RS, "tr24122-report")
    assert (req.status, req.severity) == ("missing", severity)
    assert ruleset_of(report, RS).verdict == verdict


def test_unstated_criterion_gives_review_unless_satisfied(rulesets, registry):
    unmet = run(rulesets, registry, [], criterion=None)
    req = requirement(unmet, RS, "tr24122-report")
    assert req.status == "review"
    assert has(req.message, "criterion-unstated")
    assert "tender must say how ISO/TR 24122 is applied" in en(req.message)
    assert ruleset_of(unmet, RS).verdict == "review"
    met = run(rulesets, registry, [tr_report()], criterion=None)
    assert requirement(met, RS, "tr24122-report").status == "satisfied"
    assert ruleset_of(met, RS).verdict == "clear"


def test_applies_whatever_the_procedure_but_only_to_named_types(rulesets, registry):
    assert ruleset_of(run(rulesets, registry, [tr_report()], customs_procedure="transit"), RS).applies
    assert ruleset_of(run(rulesets, registry, [tr_report()], machine_type="cnc_lathe"), RS).applies
    assert not ruleset_of(run(rulesets, registry, [tr_report()], machine_type="laser_cutter"), RS).applies


def test_before_publication_it_is_upcoming(rulesets, registry):
    m = manifest(destination="DE", arrival_date="2026-05-01", items=[new_item(manufactured="2026-01-01")],
                 documents=[tr_report(issued="2026-04-01")], tender=tender("mandatory"))  # fmt: skip
    report = judge(m, rulesets, registry, only=RS)
    assert not ruleset_of(report, RS).applies
    assert [(u.effective_from, u.would_be) for u in report.upcoming] == [("2026-05-24", "clear")]
