"""The boundary cases where the sources are silent (docs/decisions.md), each asserted."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import ai_attestation, ce, has, item, judge, lca_report, manifest, requirement, ruleset_of

from compliance.judging.facts import add_years, completed_years

JOINT = "asean-joint-green-access-2026"
CIRC = "vn-circular-12-2026"


def test_exactly_five_years_is_not_over_five(rulesets, registry):
    report = judge(
        manifest(arrival_date="2026-07-15", items=[item(manufactured="2021-07-15")]),
        rulesets,
        registry,
        only=JOINT,
    )
    rs = ruleset_of(report, JOINT)
    assert not rs.applies
    assert has(rs.reason, "scope-too-young") and has(rs.reason, "machine-age", age=5)


def test_five_years_and_a_day_is_over_five(rulesets, registry):
    report = judge(
        manifest(arrival_date="2026-07-16", items=[item(manufactured="2021-07-15")]),
        rulesets,
        registry,
        only=JOINT,
    )
    assert ruleset_of(report, JOINT).applies


def test_29_february_counts_as_1_march():
    assert add_years(dt.date(2020, 2, 29), 5) == dt.date(2025, 3, 1)
    assert completed_years(dt.date(2020, 2, 29), dt.date(2025, 3, 1)) == 4
    assert completed_years(dt.date(2020, 2, 29), dt.date(2025, 3, 2)) == 5


@pytest.mark.parametrize(
    ("year", "applies", "verdict"),
    [(2020, True, None), (2021, True, "review"), (2022, False, None)],
)
def test_bare_year_of_manufacture(rulesets, registry, year, applies, verdict):
    # As of 2026-07-15: made 1 Jan or 31 Dec 2020 -> over five either way; 2021 -> undecided; 2022 -> never.
    report = judge(manifest(items=[item(manufactured=year)], documents=[lca_report(), ai_attestation(), ce()]),
                   rulesets, registry, only=JOINT)  # fmt: skip
    rs = ruleset_of(report, JOINT)
    assert rs.applies is applies
    if verdict:
        assert rs.verdict == verdict
        assert has(rs.reason, "scope-age-open")


def test_bare_year_undecided_turns_unmet_blocking_into_review(rulesets, registry):
    report = judge(
        manifest(items=[item(manufactured="2021")], documents=[ce()]), rulesets, registry, only=JOINT
    )
    rs = ruleset_of(report, JOINT)
    assert rs.verdict == "review"
    statuses = {r.id: r.status for r in rs.requirements}
    assert statuses["carbon-statement"] == "review"
    assert statuses["ce-or-iso"] == "satisfied"
    assert report.verdict == "review"


def test_accreditation_judged_on_issue_date_and_lapse_is_a_warning(rulesets, registry):
    doc = lca_report(
        issued="2026-05-20", verifier={"name": "Lapsing Verify", "accreditations": ["VC-LAPSING"]}
    )
    req = requirement(judge(manifest(documents=[doc]), rulesets, registry, only=CIRC), CIRC, "lca-report")
    assert req.status == "satisfied"
    assert has(req.warnings, "accreditation-expired-since-issue", id="VC-LAPSING", day="2026-06-30")


def test_accreditation_expired_before_issue_is_invalid(rulesets, registry):
    doc = lca_report(
        issued="2026-07-01", verifier={"name": "Lapsing Verify", "accreditations": ["VC-LAPSING"]}
    )
    req = requirement(judge(manifest(documents=[doc]), rulesets, registry, only=CIRC), CIRC, "lca-report")
    assert req.status == "invalid"
    assert has(req.message, "accreditation-not-valid-on-issue", id="VC-LAPSING")


def test_suspension_counts_from_its_date(rulesets, registry):
    before = lca_report(
        issued="2026-02-28", verifier={"name": "Suspended Verify", "accreditations": ["VC-SUSP"]}
    )
    req = requirement(judge(manifest(documents=[before]), rulesets, registry, only=CIRC), CIRC, "lca-report")
    assert req.status == "satisfied"
    assert has(req.warnings, "accreditation-lapsed", id="VC-SUSP", status="suspended")
    after = lca_report(
        issued="2026-03-01", verifier={"name": "Suspended Verify", "accreditations": ["VC-SUSP"]}
    )
    req = requirement(judge(manifest(documents=[after]), rulesets, registry, only=CIRC), CIRC, "lca-report")
    assert req.status == "invalid"
    assert has(req.message, "accreditation-not-active-on-issue", id="VC-SUSP", status="suspended")


def test_verifier_name_differing_from_registry_is_a_warning(rulesets, registry):
    doc = lca_report(verifier={"name": "Vina Verify Company", "accreditations": ["VC-1"]})
    req = requirement(judge(manifest(documents=[doc]), rulesets, registry, only=CIRC), CIRC, "lca-report")
    assert req.status == "satisfied"
    assert has(req.warnings, "verifier-name-differs", listed="Vina Verify JSC")


def test_document_issued_after_as_of_is_invalid(rulesets, registry):
    req = requirement(judge(manifest(documents=[lca_report(issued="2026-07-20")]), rulesets, registry, only=CIRC),
                      CIRC, "lca-report")  # fmt: skip
    assert req.status == "invalid"
    assert has(req.message, "document-issued-after-as-of", issued="2026-07-20")


def test_expired_document_is_offered_but_invalid(rulesets, registry):
    report = judge(manifest(documents=[lca_report(valid_until="2026-07-14")]), rulesets, registry, only=CIRC)
    req = requirement(report, CIRC, "lca-report")
    assert req.status == "invalid"
    assert req.documents == ["CFP"]
    assert report.missing_documents[0].status == "invalid"


def test_best_document_decides_and_failures_name_each_document(rulesets, registry):
    bad = lca_report(id="BAD", stages=["A1"])
    good = lca_report(id="GOOD")
    req = requirement(
        judge(manifest(documents=[bad, good]), rulesets, registry, only=CIRC), CIRC, "lca-report"
    )
    assert req.status == "satisfied"
    worse = lca_report(id="WORSE", transport_destination="TH")
    req = requirement(
        judge(manifest(documents=[bad, worse]), rulesets, registry, only=CIRC), CIRC, "lca-report"
    )
    assert req.status == "invalid"
    assert req.documents == ["BAD", "WORSE"]
    assert has(req.message, "document-problems", document="BAD")
    assert has(req.message, "document-problems", document="WORSE")


def test_document_without_covers_covers_every_item(rulesets, registry):
    m = manifest(items=[item(id="L1"), item(id="L2")], documents=[{**lca_report(), "covers": None}])
    report = judge(m, rulesets, registry, only=CIRC)
    assert requirement(report, CIRC, "lca-report", "L1").status == "satisfied"
    assert requirement(report, CIRC, "lca-report", "L2").status == "satisfied"


def test_one_items_document_never_satisfies_another(rulesets, registry):
    m = manifest(items=[item(id="L1"), item(id="L2")], documents=[lca_report(covers=["L1"])])
    report = judge(m, rulesets, registry, only=CIRC)
    assert requirement(report, CIRC, "lca-report", "L1").status == "satisfied"
    assert requirement(report, CIRC, "lca-report", "L2").status == "missing"


def test_hs_code_inconsistent_with_type_is_a_review_finding(rulesets, registry):
    report = judge(
        manifest(items=[item(hs_code="8458.11")], documents=[lca_report()]), rulesets, registry, only=CIRC
    )
    it = report.items[0]
    assert [(f.id, f.status) for f in it.findings] == [("hs-classification", "review")]
    assert has(it.findings[0].message, "hs-classification", code="8458.11")
    assert it.verdict == "review"
    fits = judge(
        manifest(items=[item(hs_code="8457.10.90")], documents=[lca_report()]), rulesets, registry, only=CIRC
    )
    assert fits.items[0].findings == []


def test_containers_take_the_worst_of_their_items(rulesets, registry):
    m = manifest(
        items=[item(id="A", container="MSCU1234566"), item(id="B", container="MSCU1234566", manufactured="2026-01-01",
                                                           condition="new"), item(id="C", condition="new")],
        documents=[lca_report(covers=["B"])],
    )  # fmt: skip
    report = judge(m, rulesets, registry, only=CIRC)
    assert report.containers is not None
    assert [(c.container, c.verdict, c.items) for c in report.containers] == [
        ("MSCU1234566", "hold", ["A", "B"])
    ]


def test_later_registry_file_wins_with_a_warning(tmp_path):
    from compliance.reading.inputs import load_registry

    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    entry = "accreditations:\n  - {id: X, verifier: V, body: %s, scopes: [], valid_from: 2025-01-01, valid_until: 2027-01-01}\n"
    a.write_text(entry % "Old")
    b.write_text(entry % "New")
    reg = load_registry([a, b])
    acc = reg.get("X")
    assert acc is not None and acc.body == "New"
    assert reg.overridden == [("X", str(a), str(b))]
    from compliance.api import registry_warnings

    assert has(registry_warnings(reg), "registry-override", id="X", later=str(b))
    assert not reg.is_sample


def test_sample_registry_is_said_to_be_sample():
    from compliance.api import registry_warnings
    from compliance.reading.inputs import load_registry

    reg = load_registry([])
    assert reg.is_sample
    assert has(registry_warnings(reg)[0], "registry-sample")
