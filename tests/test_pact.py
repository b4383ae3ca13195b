"""PACT ProductFootprint intake, on the specification's own v2 and v3 examples."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from helpers import has

from compliance.errors import InputError
from compliance.inputs import load_manifest
from compliance.pact import read_footprint

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
    assert got["valid_until"] == dt.date(2027, 12, 31)


def test_v2_api_response_is_unwrapped_and_expired():
    got = read_footprint(PACT / "v2-get-footprint-response.json")
    assert "ISO Standard 14067" in got["standards"]
    assert got["valid_until"] == dt.date(2024, 12, 31)


def test_manifest_fields_win_and_pact_fills_the_rest(tmp_path: Path):
    shutil.copy(PACT / "v2-get-footprint-response.json", tmp_path / "fp.json")
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST.format(name="fp.json", extra="    primary_data_share: 0.5\n"))
    doc = load_manifest(path).manifest.documents[0]
    assert doc.primary_data_share == 0.5
    assert doc.valid_until == dt.date(2024, 12, 31)
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
    assert has(statement.message, "document-expired", day="2024-12-31")


def test_reference_period_gives_three_years_when_validity_is_absent(tmp_path: Path):
    fp = tmp_path / "fp.json"
    fp.write_text('{"pcf": {"referencePeriodEnd": "2025-12-31T00:00:00Z", "primaryDataShare": 40}}')
    got = read_footprint(fp)
    assert got["valid_until"] == dt.date(2028, 12, 31)
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
