"""vn-decision-18-2019-used-machinery: 10 calendar years, evidence of year of manufacture."""

from __future__ import annotations

import pytest
from helpers import en, has, item, judge, manifest, requirement, ruleset_of

RS = "vn-decision-18-2019-used-machinery"
INSPECTION = {"id": "INS", "type": "inspection_certificate", "issued": "2026-06-01"}


def mfr_cert(**over):
    doc = {"id": "MC", "type": "manufacturer_certificate", "issued": "2026-06-01", "legalised": True,
           "languages": ["ja", "vi"]}  # fmt: skip
    doc.update(over)
    return doc


def test_inspection_certificate_satisfies_any_origin(rulesets, registry):
    report = judge(manifest(documents=[INSPECTION]), rulesets, registry, only=RS)
    assert requirement(report, RS, "year-and-conformity-evidence").status == "satisfied"
    assert requirement(report, RS, "age-limit").status == "satisfied"
    assert ruleset_of(report, RS).verdict == "clear"


def test_no_evidence_is_missing(rulesets, registry):
    report = judge(manifest(documents=[]), rulesets, registry, only=RS)
    assert requirement(report, RS, "year-and-conformity-evidence").status == "missing"
    assert report.verdict == "hold"


def test_no_evidence_and_no_country_is_missing(rulesets, registry):
    it = item()
    del it["country_of_manufacture"]
    report = judge(manifest(items=[it], documents=[]), rulesets, registry, only=RS)
    assert requirement(report, RS, "year-and-conformity-evidence").status == "missing"
    assert report.verdict == "hold"


def test_manufacturer_certificate_without_country_is_review(rulesets, registry):
    it = item()
    del it["country_of_manufacture"]
    report = judge(manifest(items=[it], documents=[mfr_cert()]), rulesets, registry, only=RS)
    req = requirement(report, RS, "year-and-conformity-evidence")
    assert req.status == "review"
    assert has(req.message, "item-field-unstated", fields="country of manufacture")


@pytest.mark.parametrize("country", [None, "CN", "JP"])
def test_expired_inspection_certificate_is_invalid_whatever_the_country(rulesets, registry, country):
    it = item()
    if country is None:
        del it["country_of_manufacture"]
    else:
        it["country_of_manufacture"] = country
    expired = {**INSPECTION, "issued": "2025-01-10", "valid_until": "2026-01-10"}
    report = judge(manifest(items=[it], documents=[expired]), rulesets, registry, only=RS)
    req = requirement(report, RS, "year-and-conformity-evidence")
    assert req.status == "invalid"
    assert has(req.message, "document-expired", day="2026-01-10")


def test_good_certificate_beside_expired_inspection_satisfies(rulesets, registry):
    expired = {**INSPECTION, "issued": "2025-01-10", "valid_until": "2026-01-10"}
    m = manifest(items=[item(country_of_manufacture="JP")], documents=[expired, mfr_cert()])
    assert (
        requirement(judge(m, rulesets, registry, only=RS), RS, "year-and-conformity-evidence").status
        == "satisfied"
    )


@pytest.mark.parametrize("tag", ["vi-VN", "VI", "vi_VN", "Vi-Latn-VN"])
def test_bcp47_language_tags_read_as_vietnamese(rulesets, registry, tag):
    m = manifest(items=[item(country_of_manufacture="JP")], documents=[mfr_cert(languages=["ja", tag])])
    assert (
        requirement(judge(m, rulesets, registry, only=RS), RS, "year-and-conformity-evidence").status
        == "satisfied"
    )


@pytest.mark.parametrize("country", ["JP", "KR", "DE", "US"])
def test_legalised_vietnamese_manufacturer_certificate_for_g7_and_korea(rulesets, registry, country):
    report = judge(
        manifest(items=[item(country_of_manufacture=country)], documents=[mfr_cert()]),
        rulesets,
        registry,
        only=RS,
    )
    assert requirement(report, RS, "year-and-conformity-evidence").status == "satisfied"


@pytest.mark.parametrize(
    ("country", "change", "code", "params"),
    [
        ("CN", {}, "item-field-not-one-of", {"field": "country of manufacture", "value": "CN"}),
        ("JP", {"legalised": False}, "field-not-equal", {"field": "legalised", "value": "no"}),
        ("JP", {"languages": ["ja", "en"]}, "list-lacking", {"lacking": "vi"}),
    ],
)
def test_manufacturer_certificate_invalid(rulesets, registry, country, change, code, params):
    m = manifest(items=[item(country_of_manufacture=country)], documents=[mfr_cert(**change)])
    req = requirement(judge(m, rulesets, registry, only=RS), RS, "year-and-conformity-evidence")
    assert req.status == "invalid"
    assert has(req.message, code, **params)


def test_age_counts_calendar_years(rulesets, registry):
    # 2016-12-31 to 2026-01-02 is barely nine years by the calendar day, but 2026 - 2016 = 10: allowed.
    ok = judge(manifest(arrival_date="2026-01-02", items=[item(manufactured="2016-12-31")], documents=[INSPECTION]),
               rulesets, registry, only=RS)  # fmt: skip
    assert requirement(ok, RS, "age-limit").status == "satisfied"
    # 2015-12-31 to 2026-01-02 is ten years and two days, but by calendar years 11: over the general
    # limit, inside the Appendix I band (15 or 20 years for some sectors): a person decides.
    over = judge(manifest(arrival_date="2026-01-02", items=[item(manufactured="2015-12-31")], documents=[INSPECTION]),
                 rulesets, registry, only=RS)  # fmt: skip
    req = requirement(over, RS, "age-limit")
    assert req.status == "review"
    assert has(req.message, "machine-age-over-limit", age=11, limit=10)
    assert "Appendix I" in en(req.message)


@pytest.mark.parametrize(
    ("made", "status"), [("2006-01-01", "review"), ("2005-12-31", "failed"), ("1990", "failed")]
)
def test_age_band_20_years(rulesets, registry, made, status):
    # 2026 - 2006 = 20 calendar years: the top of the Appendix I band; 21 and more fails.
    m = manifest(arrival_date="2026-01-02", items=[item(manufactured=made)], documents=[INSPECTION])
    assert requirement(judge(m, rulesets, registry, only=RS), RS, "age-limit").status == status


def test_bare_year_settles_calendar_age(rulesets, registry):
    report = judge(
        manifest(items=[item(manufactured=2016)], documents=[INSPECTION]), rulesets, registry, only=RS
    )
    assert requirement(report, RS, "age-limit").status == "satisfied"
    assert ruleset_of(report, RS).verdict == "clear"


@pytest.mark.parametrize("procedure", ["transit", "temporary_import", "export_processing_zone"])
def test_only_imports_for_production(rulesets, registry, procedure):
    report = judge(manifest(items=[item(customs_procedure=procedure)]), rulesets, registry, only=RS)
    assert not ruleset_of(report, RS).applies


def test_new_machines_and_other_chapters_out_of_scope(rulesets, registry):
    assert not ruleset_of(
        judge(manifest(items=[item(condition="new")]), rulesets, registry, only=RS), RS
    ).applies
    other = judge(manifest(items=[item(hs_code="9031.80")]), rulesets, registry, only=RS)
    assert not ruleset_of(other, RS).applies
