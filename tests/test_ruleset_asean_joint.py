"""asean-joint-green-access-2026: used machines over five years into VN, TH, ID."""

from __future__ import annotations

import pytest
from helpers import ai_attestation, ce, has, item, judge, lca_report, manifest, requirement, ruleset_of

RS = "asean-joint-green-access-2026"


def full_set() -> list[dict]:
    return [lca_report(), ai_attestation(), ce()]


@pytest.mark.parametrize("destination", ["VN", "TH", "ID"])
def test_complete_documents_clear(rulesets, registry, destination):
    report = judge(manifest(destination=destination, documents=full_set()), rulesets, registry, only=RS)
    rs = ruleset_of(report, RS)
    assert rs.applies and rs.verdict == "clear"
    assert {r.id: r.status for r in rs.requirements} == {
        "carbon-statement": "satisfied",
        "ai-diagnostics": "satisfied",
        "ce-or-iso": "satisfied",
        "ai-attestation-details": "satisfied",
    }


def test_nothing_offered_holds_with_every_document_listed(rulesets, registry):
    report = judge(manifest(documents=[]), rulesets, registry, only=RS)
    rs = ruleset_of(report, RS)
    assert rs.verdict == "hold"
    assert {r.id: r.status for r in rs.requirements} == {
        "carbon-statement": "missing",
        "ai-diagnostics": "missing",
        "ce-or-iso": "missing",
        "ai-attestation-details": "missing",
    }
    severities = {m.requirement: m.severity for m in report.missing_documents}
    assert severities["ai-attestation-details"] == "warning"
    assert severities["carbon-statement"] == "blocking"


def test_carbon_statement_must_conform_to_iso_14067(rulesets, registry):
    docs = [lca_report(standards=["GHG Protocol Product"]), ai_attestation(), ce()]
    req = requirement(judge(manifest(documents=docs), rulesets, registry, only=RS), RS, "carbon-statement")
    assert req.status == "invalid"
    assert has(req.message, "list-lacking", lacking="ISO 14067")


def test_carbon_statement_any_body_with_iso_14067_scope(rulesets, registry):
    docs = [
        lca_report(verifier={"name": "China Verify", "accreditations": ["CNAS-1"]}),
        ai_attestation(),
        ce(),
    ]
    req = requirement(judge(manifest(documents=docs), rulesets, registry, only=RS), RS, "carbon-statement")
    assert req.status == "satisfied"
    narrow = [
        lca_report(verifier={"name": "Narrow Verify", "accreditations": ["VC-NOSCOPE"]}),
        ai_attestation(),
        ce(),
    ]
    req = requirement(judge(manifest(documents=narrow), rulesets, registry, only=RS), RS, "carbon-statement")
    assert req.status == "invalid"
    assert has(req.message, "accreditation-lacks-scope", scopes="iso_14067")


def test_attestation_must_come_from_the_oem(rulesets, registry):
    docs = [lca_report(), ai_attestation(issuer_role="distributor"), ce()]
    req = requirement(judge(manifest(documents=docs), rulesets, registry, only=RS), RS, "ai-diagnostics")
    assert req.status == "invalid"
    assert has(req.message, "field-not-equal", field="issuer role", value="distributor")


def test_attestation_must_name_both_capabilities(rulesets, registry):
    docs = [lca_report(), ai_attestation(capabilities=["remote_diagnostics"]), ce()]
    req = requirement(judge(manifest(documents=docs), rulesets, registry, only=RS), RS, "ai-diagnostics")
    assert req.status == "invalid"
    assert has(req.message, "list-lacking", lacking="predictive_maintenance")


@pytest.mark.parametrize("delivery", ["retrofit", "cloud_subscription"])
def test_retrofit_or_cloud_delivery_needs_review(rulesets, registry, delivery):
    docs = [lca_report(), ai_attestation(delivery=delivery), ce()]
    report = judge(manifest(documents=docs), rulesets, registry, only=RS)
    assert requirement(report, RS, "ai-diagnostics").status == "review"
    assert ruleset_of(report, RS).verdict == "review"
    assert report.verdict == "review"


def test_iso_certificate_instead_of_ce_must_be_valid(rulesets, registry):
    iso = {"id": "ISO", "type": "iso_certificate", "standards": ["ISO 9001"], "issued": "2025-01-10",
           "valid_until": "2028-01-09"}  # fmt: skip
    docs = [lca_report(), ai_attestation(), iso]
    assert (
        requirement(judge(manifest(documents=docs), rulesets, registry, only=RS), RS, "ce-or-iso").status
        == "satisfied"
    )
    expired = dict(iso, valid_until="2026-01-09")
    report = judge(manifest(documents=[lca_report(), ai_attestation(), expired]), rulesets, registry, only=RS)
    req = requirement(report, RS, "ce-or-iso")
    assert req.status == "invalid"
    assert has(req.message, "document-expired", day="2026-01-09")


def test_attestation_details_warning_does_not_change_the_verdict(rulesets, registry):
    docs = [lca_report(), ai_attestation(software_version=None, sensors=[], protocols=[]), ce()]
    report = judge(manifest(documents=docs), rulesets, registry, only=RS)
    req = requirement(report, RS, "ai-attestation-details")
    assert (req.status, req.severity) == ("invalid", "warning")
    assert has(req.message, "field-not-stated", fields="software version, sensors, protocols")
    assert ruleset_of(report, RS).verdict == "clear"


def test_new_or_young_machines_are_out_of_scope(rulesets, registry):
    new = judge(
        manifest(items=[item(condition="new", manufactured="2015-01-01")]), rulesets, registry, only=RS
    )
    assert not ruleset_of(new, RS).applies
    young = judge(manifest(items=[item(manufactured="2023-01-01")]), rulesets, registry, only=RS)
    rs = ruleset_of(young, RS)
    assert not rs.applies
    assert has(rs.reason, "machine-age", age=3, day="2026-07-15")


def test_refurbished_counts_as_used(rulesets, registry):
    report = judge(manifest(items=[item(condition="refurbished")]), rulesets, registry, only=RS)
    assert ruleset_of(report, RS).applies


def test_similar_equipment_gets_review(rulesets, registry):
    report = judge(
        manifest(items=[item(machine_type="milling_machine")], documents=[ce()]), rulesets, registry, only=RS
    )
    rs = ruleset_of(report, RS)
    assert rs.applies and rs.verdict == "review"
    assert requirement(report, RS, "carbon-statement").status == "review"
    young = judge(
        manifest(items=[item(machine_type="milling_machine", manufactured="2024-01-01")]),
        rulesets,
        registry,
        only=RS,
    )
    assert not ruleset_of(young, RS).applies
