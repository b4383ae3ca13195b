"""PACT ProductFootprint intake, on the specification's own v2 and v3 examples."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from helpers import has

from compliance.models.errors import InputError
from compliance.reading.inputs import load_manifest
from compliance.reading.pact import read_footprint

PACT = Path(__file__).parent / "data" / "pact"

MANIFEST = """\
shipment: {{id: S, origin: CN, destination: VN, arrival_date: 2026-07-15}}
items:
  - {{id: L1, machine_type: machining_center, manufactured: 2026-01-01, condition: new}}
documents:
  - id: PCF
    type: carbon_footprint_report
    pact_file: {name}
    stages: [A1, A2, A3, A4]
{extra}"""


def test_v3_bare_footprint():
    got = read_footprint(PACT / "v3-example-1.json")
    assert got["standards"] == ["GHGP-Product", "PACT-3.0"]
    assert got["primary_data_share"] == pytest.approx(0.129)
    # validityPeriodEnd 2027-12-31T00:00:00Z is exclusive: the last valid day is 30 December.
    assert got["valid_until"] == dt.date(2027, 12, 30)


def test_v2_api_response_is_unwrapped_and_expired():
    got = read_footprint(PACT / "v2-get-footprint-response.json")
    assert "ISO Standard 14067" in got["standards"]
    assert got["valid_until"] == dt.date(2024, 12, 30)


@pytest.mark.parametrize(
    ("end", "last"),
    [
        ("2027-12-31T00:00:00Z", dt.date(2027, 12, 30)),
        ("2027-12-31T00:00:01Z", dt.date(2027, 12, 31)),
        ("2027-12-31T12:00:00+07:00", dt.date(2027, 12, 31)),
        ("2028-01-01T00:00:00+07:00", dt.date(2027, 12, 31)),
    ],
)
def test_validity_end_is_exclusive(tmp_path: Path, end: str, last: dt.date):
    fp = tmp_path / "fp.json"
    fp.write_text(json.dumps({"validityPeriodEnd": end, "pcf": {"primaryDataShare": 40}}))
    assert read_footprint(fp)["valid_until"] == last


@pytest.mark.parametrize(("day", "status"), [("2027-12-30", "satisfied"), ("2027-12-31", "invalid")])
def test_v3_footprint_is_not_valid_on_its_end_day(tmp_path: Path, rulesets, registry, day: str, status: str):
    from compliance.api import check

    shutil.copy(PACT / "v3-example-1.json", tmp_path / "fp.json")
    path = tmp_path / "m.yaml"
    extra = (
        "    issued: 2026-01-10\n    standards: [ISO 14067]\n"
        "    verifier: {name: Vina Verify JSC, accreditations: [VC-1]}\n"
    )
    text = MANIFEST.format(name="fp.json", extra=extra)
    path.write_text(text.replace("condition: new", "condition: used").replace("2026-01-01", "2018-01-01"))
    report = check(load_manifest(path).manifest, rulesets, registry, as_of=dt.date.fromisoformat(day))
    joint = next(r for r in report.items[0].rulesets if r.ruleset == "asean-joint-green-access-2026")
    statement = next(r for r in joint.requirements if r.id == "carbon-statement")
    assert statement.status == status
    if status == "invalid":
        assert has(statement.message, "document-expired", day="2027-12-30")


def test_manifest_fields_win_and_pact_fills_the_rest(tmp_path: Path):
    shutil.copy(PACT / "v2-get-footprint-response.json", tmp_path / "fp.json")
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST.format(name="fp.json", extra="    primary_data_share: 0.5\n"))
    doc = load_manifest(path).manifest.documents[0]
    assert doc.primary_data_share == 0.5
    assert doc.valid_until == dt.date(2024, 12, 30)
    assert "ISO Standard 14067" in doc.standards


def test_expired_v2_footprint_is_invalid_evidence(tmp_path: Path, rulesets, registry):
    from compliance.api import check

    shutil.copy(PACT / "v2-get-footprint-response.json", tmp_path / "fp.json")
    path = tmp_path / "m.yaml"
    extra = "    issued: 2024-06-01\n    verifier: {name: x, accreditations: [CNAS-1]}\n"
    path.write_text(MANIFEST.format(name="fp.json", extra=extra).replace("condition: new", "condition: used")
                    .replace("2026-01-01", "2018-01-01"))  # fmt: skip
    report = check(load_manifest(path).manifest, rulesets, registry)
    joint = next(r for r in report.items[0].rulesets if r.ruleset == "asean-joint-green-access-2026")
    statement = next(r for r in joint.requirements if r.id == "carbon-statement")
    assert statement.status == "invalid"
    assert has(statement.message, "document-expired", day="2024-12-30")


def test_reference_period_gives_three_years_when_validity_is_absent(tmp_path: Path):
    fp = tmp_path / "fp.json"
    fp.write_text('{"pcf": {"referencePeriodEnd": "2025-12-31T00:00:00Z", "primaryDataShare": 40}}')
    got = read_footprint(fp)
    # referencePeriodEnd is exclusive too: three years on, the footprint is valid up to, not on, that day.
    assert got["valid_until"] == dt.date(2028, 12, 30)
    assert got["primary_data_share"] == pytest.approx(0.4)


def test_broken_pact_file_names_the_file(tmp_path: Path):
    (tmp_path / "fp.json").write_text('{"pcf": ')
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST.format(name="fp.json", extra=""))
    with pytest.raises(InputError) as info:
        load_manifest(path)
    assert "fp.json" in str(info.value)
    (tmp_path / "fp.json").write_text('{"nothing": 1}')
    with pytest.raises(InputError, match="ProductFootprint"):
        load_manifest(path)
