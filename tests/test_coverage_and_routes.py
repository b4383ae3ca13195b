"""What a verdict covers, the remanufactured-goods route of Decree 66/2024 beside Decision 18/2019,
and how current the accreditation registry is: as a user reads them in the result."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import SHIPMENTS, has, item, judge, manifest, ruleset_of

from compliance.cli import cli
from compliance.models.registry import Registry
from compliance.models.ruleset import Ruleset
from compliance.reading.inputs import load_registry

DECREE = "vn-decree-66-2024-remanufactured"
D18 = "vn-decision-18-2019-used-machinery"

REMANUFACTURED = item(
    condition="remanufactured", country_of_manufacture="DE", hs_code="8457.10", manufactured=2012
)
DECREE_DOCS = [
    {
        "id": "CERT",
        "type": "remanufactured_goods_certificate",
        "issued": "2026-08-01",
        "remanufacturer_code": "RM-1",
    },
    {"id": "COO", "type": "certificate_of_origin", "issued": "2026-08-20", "preference": "EVFTA"},
    {"id": "LBL", "type": "marking_record", "markings": ["remanufactured_label_vi"]},
]
INSPECTION = {"id": "INS", "type": "inspection_certificate", "issued": "2026-08-25"}


def _with_listed(rulesets: list[Ruleset], prefixes: list[str]) -> list[Ruleset]:
    """The shipped rulesets, Decree 66's confirmed HS list set as an analyst would set it."""
    out = []
    for rs in rulesets:
        if rs.id == DECREE:
            versions = [
                v.model_copy(update={"scope": v.scope.model_copy(update={"hs_listed": prefixes})})
                for v in rs.versions
            ]
            rs = rs.model_copy(update={"versions": versions})
        out.append(rs)
    return out


# -- the remanufactured route ---------------------------------------------------------------------


def test_a_remanufactured_machine_meeting_the_decree_is_not_judged_as_used(
    rulesets: list[Ruleset], registry: Registry
) -> None:
    """With the machine's HS code confirmed on the decree's lists and every condition met, Decision
    18 does not apply: the machine is not held as used machinery (14 calendar years old)."""
    m = manifest([REMANUFACTURED], DECREE_DOCS, origin="DE", arrival_date="2026-09-15")
    report = judge(m, _with_listed(rulesets, ["8457"]), registry)
    assert ruleset_of(report, DECREE).verdict == "clear"
    d18 = ruleset_of(report, D18)
    assert not d18.applies
    assert has(d18.reason, "scope-route-taken", ruleset=DECREE)


def test_an_unconfirmed_hs_code_leaves_both_routes_to_a_person(
    rulesets: list[Ruleset], registry: Registry
) -> None:
    m = manifest([REMANUFACTURED], DECREE_DOCS, origin="DE", arrival_date="2026-09-15")
    report = judge(m, rulesets, registry)
    decree = ruleset_of(report, DECREE)
    assert decree.verdict == "review"
    assert "appendices" in str(json.dumps(decree.model_dump(mode="json"), default=str)) or decree.reason
    d18 = ruleset_of(report, D18)
    # Decision 18 applies only if the decree's route fails: its unmet requirements go to a person.
    assert d18.applies and d18.verdict == "review"
    assert has(d18.reason, "scope-route-open", ruleset=DECREE)
    assert {r.status for r in d18.requirements} <= {"satisfied", "review"}


def test_no_documents_for_either_route_holds(rulesets: list[Ruleset], registry: Registry) -> None:
    """Neither route can be met without documents: the decree holds, so Decision 18 judges the
    machine as used, and it holds too."""
    m = manifest([REMANUFACTURED], [], origin="DE", arrival_date="2026-09-15")
    report = judge(m, rulesets, registry)
    assert ruleset_of(report, DECREE).verdict == "hold"
    d18 = ruleset_of(report, D18)
    assert d18.applies and d18.verdict == "hold" and d18.reason is None
    assert report.items[0].verdict == "hold"


def test_a_remanufactured_machine_from_outside_the_eu_and_uk_is_used_machinery(
    rulesets: list[Ruleset], registry: Registry
) -> None:
    us = item(condition="remanufactured", country_of_manufacture="US", manufactured=2019)
    report = judge(manifest([us], [INSPECTION], arrival_date="2026-09-15"), rulesets, registry)
    assert not ruleset_of(report, DECREE).applies
    d18 = ruleset_of(report, D18)
    assert d18.applies and d18.verdict == "clear"


def test_refurbished_still_counts_as_used(rulesets: list[Ruleset], registry: Registry) -> None:
    refurb = item(condition="refurbished", country_of_manufacture="DE", manufactured=2012)
    report = judge(manifest([refurb], DECREE_DOCS, arrival_date="2026-09-15"), rulesets, registry)
    assert not ruleset_of(report, DECREE).applies
    assert ruleset_of(report, D18).applies


# -- coverage -------------------------------------------------------------------------------------


def test_every_result_states_what_it_covers(rulesets: list[Ruleset], registry: Registry) -> None:
    report = judge(manifest(), rulesets, registry)
    (cov,) = report.coverage
    assert cov.destination == "VN" and cov.as_of == "2026-07-15"
    judged = {(j.ruleset, j.version, j.source_confidence) for j in cov.judged}
    assert ("vn-circular-12-2026", "1", "reported") in judged
    assert (D18, "1", "official_summary") in judged
    assert not any(j.ruleset in {"eu-machinery-2023-1230", "id-used-capital-goods"} for j in cov.judged)
    topics = {t.id for t in cov.not_judged}
    assert {"tariff-and-duties", "export-control-and-screening", "licences-and-permits"} <= topics
    # Vietnam's customs dossier is judged by customs-dossier in a shipment check.
    assert "customs-dossier" not in topics


@pytest.mark.parametrize(
    ("destination", "day", "present", "absent"),
    [
        (
            "DE",
            "2027-01-19",
            ("eu-machinery-2023-1230", "2006-42-ec"),
            ("eu-machinery-2023-1230", "2023-1230"),
        ),
        (
            "DE",
            "2027-01-20",
            ("eu-machinery-2023-1230", "2023-1230"),
            ("eu-machinery-2023-1230", "2006-42-ec"),
        ),
        ("ID", "2030-03-01", ("id-used-capital-goods", "1"), ("customs-dossier", "1")),
    ],
)
def test_coverage_follows_the_version_in_force(
    rulesets: list[Ruleset], registry: Registry, destination: str, day: str, present: tuple, absent: tuple
) -> None:
    m = manifest([item(manufactured="2020-01-01")], destination=destination, arrival_date=day)
    (cov,) = judge(m, rulesets, registry).coverage
    pairs = {(j.ruleset, j.version) for j in cov.judged}
    assert present in pairs and absent not in pairs
    assert "customs-dossier" in {t.id for t in cov.not_judged}


def test_a_destination_no_ruleset_covers_judges_nothing(rulesets: list[Ruleset], registry: Registry) -> None:
    (cov,) = judge(manifest(destination="MY"), rulesets, registry).coverage
    assert cov.judged == []
    assert cov.not_judged


def test_the_text_and_json_say_it(tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["check", str(SHIPMENTS / "vn-new-vmc-clear.yaml")])
    assert out.exit_code == 0, out.output
    assert "judged by: " in out.output and "(a CLEAR covers these rules only)" in out.output
    assert "not judged: tariff classification" in out.output
    data = json.loads(
        runner.invoke(cli, ["check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"), "--format", "json"]).output
    )
    assert data["verdict"] == "clear"
    assert data["coverage"][0]["destination"] == "VN"
    assert {"ruleset", "version", "source_confidence"} <= set(data["coverage"][0]["judged"][0])
    schema = json.loads(runner.invoke(cli, ["schema", "result"]).output)
    assert "coverage" in schema["properties"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_no_output_words_a_clear_as_clearing_customs(fmt: str, lang: str) -> None:
    out = CliRunner().invoke(
        cli, ["check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"), "--format", fmt, "--lang", lang]
    )
    assert out.exit_code == 0, out.output
    lowered = out.output.lower()
    assert "will clear" not in lowered and "sẽ được thông quan" not in lowered
    if fmt != "text":
        words = {"en": ("Judged", "Not judged", "This is not a customs clearance"),
                 "vi": ("Đã đánh giá", "Không đánh giá", "Đây không phải là thông quan")}[lang]  # fmt: skip
        for w in words:
            assert w in out.output


# -- how current the registry is ------------------------------------------------------------------


def _registry(tmp_path: Path, published: str | None) -> Registry:
    text = "accreditations:\n" + "\n".join(
        [
            "  - id: VC-1",
            "    verifier: Vina Verify JSC",
            "    body: VinaCert",
            "    scopes: [metalworking_machinery, lifecycle_carbon_accounting, iso_14067]",
            "    valid_from: 2025-01-01",
            "    valid_until: 2027-12-31",
        ]
    )
    if published:
        text = f"published: {published}\n{text}"
    path = tmp_path / "vinacert-directory.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    return load_registry([path])


def _lca_requirement(rulesets: list[Ruleset], registry: Registry, day: str):  # type: ignore[no-untyped-def]
    from helpers import lca_report, requirement

    m = manifest([item(condition="new", manufactured="2026-01-01")], [lca_report()], arrival_date=day)
    report = judge(m, rulesets, registry)
    return report, requirement(report, "vn-circular-12-2026", "lca-report")


def test_a_registry_older_than_its_quarterly_renewal_is_named(
    tmp_path: Path, rulesets: list[Ruleset]
) -> None:
    from helpers import lca_report, requirement

    reg = _registry(tmp_path, "2026-04-15")
    report, req = _lca_requirement(rulesets, reg, "2026-07-16")
    assert req.status == "satisfied"
    assert has(req.warnings, "registry-stale", registry="vinacert-directory.yaml", day="2026-04-15", months=3)
    assert [(r.source.endswith("vinacert-directory.yaml"), r.published) for r in report.registries] == [
        (True, "2026-04-15")
    ]
    # Three months to the day after publication it is still current: no warning.
    _, fresh = _lca_requirement(rulesets, reg, "2026-07-15")
    assert not has(fresh.warnings, "registry-stale")
    # The joint guidelines state no renewal: no warning there.
    m = manifest([item(manufactured="2018-01-01")], [lca_report()], arrival_date="2026-07-16")
    joint = requirement(judge(m, rulesets, reg), "asean-joint-green-access-2026", "carbon-statement")
    assert not has(joint.warnings, "registry-stale")


def test_a_registry_without_a_date_is_said_to_state_none(tmp_path: Path, rulesets: list[Ruleset]) -> None:
    reg = _registry(tmp_path, None)
    report, req = _lca_requirement(rulesets, reg, "2026-07-15")
    assert has(req.warnings, "registry-undated", registry="vinacert-directory.yaml")
    assert report.registries[0].published is None
    out = CliRunner().invoke(
        cli,
        [
            "check",
            str(SHIPMENTS / "vn-new-vmc-clear.yaml"),
            "--registry",
            str(tmp_path / "vinacert-directory.yaml"),
        ],
    )
    assert "accreditation registry vinacert-directory.yaml (states no publication date)" in out.output


def test_the_registry_age_changes_no_verdict(tmp_path: Path, rulesets: list[Ruleset]) -> None:
    old = _lca_requirement(rulesets, _registry(tmp_path, "2020-01-01"), "2026-07-15")[0]
    (tmp_path / "new").mkdir()
    new = _lca_requirement(rulesets, _registry(tmp_path / "new", "2026-07-01"), "2026-07-15")[0]
    assert old.verdict == new.verdict
    assert [i.verdict for i in old.items] == [i.verdict for i in new.items]


def test_dates_of_the_day_are_compared_on_the_calendar() -> None:
    from compliance.models.registry import add_months

    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 3, 31), 3) == dt.date(2026, 6, 30)


# -- compliance convert keeps a PACT footprint usable ---------------------------------------------


@pytest.mark.parametrize("suffix", [".yaml", ".xlsx"])
def test_converting_into_another_folder_carries_the_pact_file(tmp_path: Path, suffix: str) -> None:
    runner = CliRunner()
    target = tmp_path / "elsewhere" / f"converted{suffix}"
    target.parent.mkdir()
    out = runner.invoke(cli, ["convert", str(SHIPMENTS / "vn-pact-footprint.yaml"), str(target)])
    assert out.exit_code == 0, out.output
    assert (target.parent / "pact-footprint-v3.json").read_bytes() == (
        SHIPMENTS / "pact-footprint-v3.json"
    ).read_bytes()
    original = runner.invoke(cli, ["check", str(SHIPMENTS / "vn-pact-footprint.yaml"), "--format", "json"])
    converted = runner.invoke(cli, ["check", str(target), "--format", "json"])
    assert converted.exit_code == original.exit_code, converted.output
    assert json.loads(converted.output)["verdict"] == json.loads(original.output)["verdict"]


def test_converting_never_overwrites_a_different_pact_file(tmp_path: Path) -> None:
    (tmp_path / "pact-footprint-v3.json").write_text("{}", encoding="utf-8")
    out = CliRunner().invoke(
        cli, ["convert", str(SHIPMENTS / "vn-pact-footprint.yaml"), str(tmp_path / "m.yaml")]
    )
    assert out.exit_code == 2
    assert "already exists" in out.output
    assert (tmp_path / "pact-footprint-v3.json").read_text(encoding="utf-8") == "{}"
    assert not (tmp_path / "m.yaml").exists()


# -- inventories ----------------------------------------------------------------------------------


def test_an_inventory_judges_remanufactured_rows_as_a_check_does(
    tmp_path: Path, rulesets: list[Ruleset]
) -> None:
    """Remanufactured rows are judged whole (Decision 18 depends on Decree 66's verdict for the same
    row); every other row by parts. Each row's cells equal a one-item check's."""
    from compliance.inventory import Judge, Row

    docs_yaml = tmp_path / "docs.yaml"
    docs_yaml.write_text(json.dumps({"documents": DECREE_DOCS + [INSPECTION]}), encoding="utf-8")
    from compliance.inventory import load_documents

    documents = load_documents(docs_yaml)
    rows = [
        {"id": "R1", "machine_type": "machining_center", "manufactured": "2012", "condition": "remanufactured",
         "country_of_manufacture": "DE", "hs_code": "8457.10", "documents": "CERT;COO;LBL"},
        {"id": "R2", "machine_type": "machining_center", "manufactured": "2012", "condition": "remanufactured",
         "country_of_manufacture": "DE", "hs_code": "8457.10", "documents": ""},
        {"id": "U1", "machine_type": "machining_center", "manufactured": "2019", "condition": "used",
         "country_of_manufacture": "DE", "documents": "INS"},
    ]  # fmt: skip
    listed = _with_listed(rulesets, ["8457"])
    registry = load_registry([])
    fast = Judge(
        rulesets=listed,
        registry=registry,
        documents=documents,
        destinations=["VN"],
        days=[dt.date(2026, 9, 15)],
    )
    slow = Judge(
        rulesets=listed, registry=registry, documents=documents, destinations=["VN"], days=[dt.date(2026, 9, 15)],
        fast=False,
    )  # fmt: skip
    for i, values in enumerate(rows):
        row = Row(line=i + 2, values=values)
        assert fast.judge_lines(row) == slow.judge_lines(row)
    # The same rows as a CSV chunk, judged column by column: the remanufactured ones are left whole.
    from compliance.inventory.model import OUTPUT_COLUMNS, Layout
    from compliance.inventory.read import Lines

    header = tuple(rows[0])
    chunk = Lines(header, [2, 3, 4], [[r.get(h, "") for h in header] for r in rows])
    layout = Layout("csv", OUTPUT_COLUMNS, (), ())
    whole = slow.judge_chunk([Row(line=i + 2, values=v) for i, v in enumerate(rows)], layout)
    assert fast.judge_chunk(chunk, layout).blocks == whole.blocks
    # With the decree's conditions met, Decision 18 says nothing of the row; without them it holds it.
    assert D18 not in fast.judge_row(Row(line=2, values=rows[0]))[0]["reasons"]
    assert (
        f"{D18}/year-and-conformity-evidence missing"
        in fast.judge_row(Row(line=3, values=rows[1]))[0]["reasons"]
    )


def test_the_inventory_summary_states_its_coverage(tmp_path: Path) -> None:
    out_file = tmp_path / "verdicts.xlsx"
    result = CliRunner().invoke(
        cli,
        ["inventory", str(SHIPMENTS / "inventory" / "stock.csv"), "--documents",
         str(SHIPMENTS / "inventory" / "documents.yaml"), "--destination", "VN", "--destination", "DE",
         "--as-of", "2027-02-01", "-o", str(out_file), "--workers", "1"],
    )  # fmt: skip
    assert result.exit_code in (1, 2, 3), result.output
    assert "VN on 2027-02-01 judged by: asean-joint-green-access-2026 v1" in result.output
    assert "DE on 2027-02-01 judged by: eu-machinery-2023-1230 v2023-1230" in result.output
    # A stock list has no invoice or bill of lading: the customs dossier is not judged for it.
    assert "customs-dossier" not in result.output.split("not judged")[0]
    assert "the customs dossier (invoice" in result.output
    from openpyxl import load_workbook

    sheet = load_workbook(out_file, read_only=True)["summary"]
    head, *body = list(sheet.iter_rows(values_only=True))
    assert head[-2:] == ("judged by", "not judged")
    assert any(r[0] == "DE" and "eu-machinery-2023-1230 v2023-1230" in r[-2] for r in body)


def test_a_route_to_an_unknown_ruleset_is_refused(tmp_path: Path) -> None:
    from compliance.models.errors import RulesetError
    from compliance.reading.inputs import load_rulesets
    from compliance.reading.resources import DEFAULT_RULESETS

    text = (DEFAULT_RULESETS / f"{D18}.yaml").read_text(encoding="utf-8")
    (tmp_path / f"{D18}.yaml").write_text(text.replace(f"yields_to: [{DECREE}]", "yields_to: [vn-decre-66]"))
    with pytest.raises(RulesetError, match="vn-decre-66"):
        load_rulesets(tmp_path)
