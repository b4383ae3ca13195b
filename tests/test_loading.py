"""Bad input: exit 2 with the file, the line and the field; never a traceback or a verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.models.errors import InputError
from compliance.reading.inputs import load_manifest

GOOD = """\
shipment:
  id: S1
  origin: CN
  destination: VN
  arrival_date: 2026-07-15
items:
  - id: L1
    machine_type: machining_center
    hs_code: "8457.10"
    manufactured: 2019-03-01
    condition: used
documents:
  - id: D1
    type: ce_declaration
    issued: 2019-02-11
"""


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def error_for(tmp_path: Path, text: str, name: str = "m.yaml") -> InputError:
    with pytest.raises(InputError) as info:
        load_manifest(write(tmp_path, text, name))
    return info.value


def test_good_manifest_loads(tmp_path):
    m = load_manifest(write(tmp_path, GOOD)).manifest
    assert m.items[0].hs_code == "8457.10"


def test_typo_in_a_key_names_line_and_suggests(tmp_path):
    err = error_for(tmp_path, GOOD.replace("    condition: used", "    condtion: used"))
    text = str(err)
    assert err.line == 11
    assert "items[0].condtion" in text
    assert "did you mean 'condition'" in text


def test_norway_is_a_country_not_false(tmp_path):
    m = load_manifest(write(tmp_path, GOOD.replace("origin: CN", "origin: NO"))).manifest
    assert m.shipment.origin == "NO"


def test_hs_code_as_bare_number_is_refused(tmp_path):
    err = error_for(tmp_path, GOOD.replace('hs_code: "8457.10"', "hs_code: 8457.10"))
    assert err.line == 9
    assert "quotes" in str(err)


def test_unknown_machine_type(tmp_path):
    err = error_for(tmp_path, GOOD.replace("machine_type: machining_center", "machine_type: spaceship"))
    assert err.line == 8
    assert "spaceship" in str(err) and "machining_center" in str(err)


def test_unknown_document_type_and_stage(tmp_path):
    err = error_for(tmp_path, GOOD.replace("type: ce_declaration", "type: passport"))
    assert err.line == 14
    bad_stage = GOOD + "    stages: [A1, Z9]\n"
    assert "Z9" in str(error_for(tmp_path, bad_stage))


def test_duplicate_item_ids(tmp_path):
    text = GOOD.replace(
        "documents:",
        "  - id: L1\n    machine_type: cnc_lathe\n    manufactured: 2020\n    condition: new\ndocuments:",
    )
    err = error_for(tmp_path, text)
    assert "duplicate item id 'L1'" in str(err)
    assert err.line == 12


def test_document_covering_unknown_item(tmp_path):
    err = error_for(tmp_path, GOOD + "    covers: [L9]\n")
    assert "L9" in str(err)
    assert err.line == 16


def test_syntax_error_has_line(tmp_path):
    err = error_for(tmp_path, GOOD.replace("  origin: CN", "  origin: [CN"))
    assert "syntax error" in str(err)
    assert err.line is not None


def test_json_manifest_and_its_errors(tmp_path):
    import json

    import yaml

    data = yaml.safe_load(GOOD)
    data["shipment"]["arrival_date"] = "2026-07-15"
    data["items"][0]["manufactured"] = "2019-03-01"
    data["documents"][0]["issued"] = "2019-02-11"
    m = load_manifest(write(tmp_path, json.dumps(data, indent=2), "m.json")).manifest
    assert m.shipment.id == "S1"
    err = error_for(tmp_path, '{"shipment": {', "bad.json")
    assert "JSON syntax error" in str(err) and err.line == 1
    data["items"][0]["hs_code"] = 8457.1
    assert "quotes" in str(error_for(tmp_path, json.dumps(data), "num.json"))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("# only a comment\n", "no data"),
        ("- a\n- b\n", "expected a mapping"),
        ("shipment: !!python/object/apply:os.system ['echo hi']\n", "not allowed"),
        (GOOD.replace("arrival_date: 2026-07-15", "arrival_date: 2026-13-45"), "not a valid value"),
        (GOOD.replace("\n  id: S1", "\n\tid: S1"), "tab"),
    ],
)
def test_malformed_files(tmp_path, text, fragment):
    assert fragment in str(error_for(tmp_path, text))


def test_binary_and_non_utf8(tmp_path):
    p = tmp_path / "b.yaml"
    p.write_bytes(b"\x00\x01\x02")
    with pytest.raises(InputError, match="binary"):
        load_manifest(p)
    p.write_bytes("shipment: café".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        load_manifest(p)


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(InputError, match="alias"):
        load_manifest(write(tmp_path, "\n".join(lines) + "\n"))


def test_deep_nesting_is_refused(tmp_path):
    with pytest.raises(InputError, match="nesting"):
        load_manifest(write(tmp_path, "a: " + "[" * 5000 + "]" * 5000 + "\n"))


def test_oversized_manifest_refused_before_parsing(tmp_path):
    p = write(tmp_path, GOOD + "#" * 2000 + "\n")
    with pytest.raises(InputError, match="over the limit"):
        load_manifest(p, max_bytes=1000)


def test_wrong_container_check_digit(tmp_path):
    err = error_for(
        tmp_path, GOOD.replace("    condition: used", "    condition: used\n    container: MSCU1234567")
    )
    assert "ISO 6346" in str(err)


def test_share_out_of_range_and_negative_quantity(tmp_path):
    assert "primary_data_share" in str(error_for(tmp_path, GOOD + "    primary_data_share: 1.5\n"))
    assert "quantity" in str(
        error_for(tmp_path, GOOD.replace("    condition: used", "    condition: used\n    quantity: -1"))
    )


def test_unknown_country_code(tmp_path):
    err = error_for(tmp_path, GOOD.replace("destination: VN", "destination: XX"))
    assert "XX" in str(err) and err.line == 4


def test_country_codes_are_pycountrys_whether_read_from_its_file_or_its_import(monkeypatch):
    import importlib.util

    import pycountry

    from compliance.models import common

    expected = frozenset(country.alpha_2 for country in pycountry.countries)
    common._alpha_2_codes.cache_clear()
    assert common._alpha_2_codes() == expected and "VN" in expected and "XX" not in expected
    # Should pycountry's database file move, its import answers the same.
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    common._alpha_2_codes.cache_clear()
    assert common._alpha_2_codes() == expected
    common._alpha_2_codes.cache_clear()


def test_bare_year_as_string_is_a_year(tmp_path):
    m = load_manifest(
        write(tmp_path, GOOD.replace("manufactured: 2019-03-01", 'manufactured: "2019"'))
    ).manifest
    assert m.items[0].manufactured == 2019


def test_a_key_written_twice_is_refused_not_one_value_kept(tmp_path):
    """A key twice in one mapping would silently keep one of the two values (the item's condition,
    say): refused, naming the key, in YAML and in JSON."""
    twice = GOOD.replace("    condition: used\n", "    condition: used\n    condition: new\n")
    err = error_for(tmp_path, twice)
    assert "'condition' appears twice" in str(err) and err.line == 12
    import json

    text = json.dumps({"shipment": {"id": "S1"}}).replace('{"id": "S1"}', '{"id": "S1", "id": "S2"}')
    assert "'id' appears twice" in str(error_for(tmp_path, text, "twice.json"))


def test_dates_and_stages_read_alike_however_often_they_repeat(tmp_path):
    """Dates and life-cycle stages are read once per distinct text: a repeated text gives the same
    value, and a bad one is refused every time it appears, not only the first."""
    from compliance.models.manifest import Document

    docs = [
        Document.model_validate(
            {"id": f"D{i}", "type": "carbon_footprint_report", "issued": " 2026-05-20 ",
             "stages": ["a1", "transport", "A1"]}
        )
        for i in range(3)
    ]  # fmt: skip
    assert {(d.issued.isoformat(), tuple(d.stages)) for d in docs} == {("2026-05-20", ("A1", "A4"))}
    for _ in range(2):
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            Document.model_validate({"id": "D", "type": "ce_declaration", "issued": "2026-02-30"})
        with pytest.raises(ValueError, match="EN 15804"):
            Document.model_validate({"id": "D", "type": "carbon_footprint_report", "stages": ["A9"]})
