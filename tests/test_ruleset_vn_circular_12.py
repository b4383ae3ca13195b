"""vn-circular-12-2026: LCA report A1-A4 to VN from a VinaCert-accredited verifier."""

from __future__ import annotations

import datetime as dt

from helpers import ce, en, has, item, judge, lca_report, manifest, requirement, ruleset_of

RS = "vn-circular-12-2026"


def test_complete_report_satisfies(rulesets, registry):
    report = judge(manifest(documents=[lca_report()]), rulesets, registry, only=RS)
    req = requirement(report, RS, "lca-report")
    assert req.status == "satisfied"
    assert req.documents == ["CFP"]
    assert ruleset_of(report, RS).verdict == "clear"
    assert report.verdict == "clear"


def test_no_report_is_missing_and_holds(rulesets, registry):
    report = judge(manifest(documents=[ce()]), rulesets, registry, only=RS)
    req = requirement(report, RS, "lca-report")
    assert req.status == "missing"
    assert req.severity == "blocking"
    assert has(req.message, "document-missing")
    assert "VinaCert" in en(req.message)  # the ruleset's action names the verifier to ask
    assert "Circular 12/2026" in en(req.citation)
    assert report.verdict == "hold"
    assert [(m.item_id, m.requirement, m.status) for m in report.missing_documents] == [
        ("L1", "lca-report", "missing")
    ]


def test_report_short_of_a4_is_invalid(rulesets, registry):
    report = judge(manifest(documents=[lca_report(stages=["A1", "A2", "A3"])]), rulesets, registry, only=RS)
    req = requirement(report, RS, "lca-report")
    assert req.status == "invalid"
    assert has(req.message, "list-lacking", lacking="A4")
    assert report.verdict == "hold"


def test_transport_leg_must_end_in_vietnam(rulesets, registry):
    report = judge(manifest(documents=[lca_report(transport_destination="TH")]), rulesets, registry, only=RS)
    req = requirement(report, RS, "lca-report")
    assert req.status == "invalid"
    assert has(req.message, "field-not-equal", field="transport destination", value="TH")


def test_verifier_accredited_by_another_body_is_invalid(rulesets, registry):
    doc = lca_report(verifier={"name": "China Verify", "accreditations": ["CNAS-1"]})
    req = requirement(judge(manifest(documents=[doc]), rulesets, registry, only=RS), RS, "lca-report")
    assert req.status == "invalid"
    assert has(req.message, "accreditation-wrong-body", body="CNAS", bodies="VinaCert")


def test_accreditation_lacking_a_scope_is_invalid(rulesets, registry):
    doc = lca_report(verifier={"name": "Narrow Verify", "accreditations": ["VC-NOSCOPE"]})
    req = requirement(judge(manifest(documents=[doc]), rulesets, registry, only=RS), RS, "lca-report")
    assert req.status == "invalid"
    assert has(req.message, "accreditation-lacks-scope", scopes="metalworking_machinery")


def test_unknown_accreditation_id_is_named(rulesets, registry):
    doc = lca_report(verifier={"name": "Ghost", "accreditations": ["VC-9999"]})
    req = requirement(judge(manifest(documents=[doc]), rulesets, registry, only=RS), RS, "lca-report")
    assert req.status == "invalid"
    assert has(req.message, "accreditation-not-in-registry", id="VC-9999")


def test_aliases_for_stages_are_accepted(rulesets, registry):
    doc = lca_report(stages=["raw_materials", "A2", "manufacturing", "transport"])
    req = requirement(judge(manifest(documents=[doc]), rulesets, registry, only=RS), RS, "lca-report")
    assert req.status == "satisfied"


def test_applies_to_new_machines_and_mill_turn_but_not_lathes(rulesets, registry):
    new_mt = manifest(
        items=[item(machine_type="turning_milling_center", condition="new", manufactured="2026-01-01")]
    )
    assert ruleset_of(judge(new_mt, rulesets, registry, only=RS), RS).applies
    lathe = manifest(items=[item(machine_type="cnc_lathe")])
    result = ruleset_of(judge(lathe, rulesets, registry, only=RS), RS)
    assert not result.applies
    assert result.verdict is None
    assert has(result.reason, "scope-machine-type", type="cnc_lathe")


def test_only_imports_into_vietnam(rulesets, registry):
    report = judge(manifest(destination="TH", documents=[]), rulesets, registry, only=RS)
    assert not ruleset_of(report, RS).applies
    # With only this ruleset in use, nothing covers Thailand: never a silent clear.
    assert report.verdict == "review"
    assert [f.id for f in report.items[0].findings] == ["destination-not-covered"]


def test_before_july_it_is_upcoming_not_applied(rulesets, registry):
    m = manifest(arrival_date="2026-06-30", items=[item(manufactured="2026-01-05", condition="new")])
    report = judge(m, rulesets, registry, only=RS)
    assert not ruleset_of(report, RS).applies
    assert report.verdict == "clear"
    assert [(u.ruleset, u.effective_from, u.item_id, u.would_be) for u in report.upcoming] == [
        (RS, "2026-07-01", "L1", "hold")
    ]
    on_day = judge(m, rulesets, registry, only=RS, as_of=dt.date(2026, 7, 1))
    assert ruleset_of(on_day, RS).applies
    assert on_day.upcoming == []


def test_procedures(rulesets, registry):
    temp = judge(manifest(items=[item(customs_procedure="temporary_import")]), rulesets, registry, only=RS)
    rs = ruleset_of(temp, RS)
    assert rs.applies and rs.verdict == "review"
    assert requirement(temp, RS, "lca-report").status == "review"
    for procedure in ("transit", "export_processing_zone"):
        other = judge(manifest(items=[item(customs_procedure=procedure)]), rulesets, registry, only=RS)
        assert not ruleset_of(other, RS).applies
