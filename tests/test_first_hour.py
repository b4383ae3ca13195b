"""What cost new users time in their first hour (issue #17, first part): messages that say what was
meant, headers and values written for people, one usage message instead of an error per row."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner
from helpers import SHIPMENTS

from compliance.cli import cli

SAMPLE = SHIPMENTS / "vn-container-mixed.yaml"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def _sample(tmp_path: Path, change) -> Path:  # noqa: ANN001
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_vocabulary_word_written_for_people_is_suggested(tmp_path: Path) -> None:
    path = _sample(tmp_path, lambda d: d["items"][0].update(machine_type="machining center"))
    code, _, err = invoke("check", str(path))
    assert code == 2 and "did you mean 'machining_center'?" in err


def test_vocabulary_values_are_read_regardless_of_case(tmp_path: Path) -> None:
    path = _sample(tmp_path, lambda d: d["items"][0].update(condition="New"))
    code, out, _ = invoke("check", str(path), "--format", "json")
    assert code in (0, 1, 3)
    assert json.loads(out)["items"][0]["condition"] == "new"


def test_a_wrong_container_check_digit_says_the_right_one(tmp_path: Path) -> None:
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    good = next(i["container"] for i in data["items"] if i.get("container"))
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    path = _sample(
        tmp_path, lambda d: next(i for i in d["items"] if i.get("container")).update(container=wrong)
    )
    code, _, err = invoke("check", str(path))
    assert code == 2 and f"should be {good[-1]} ({good})" in err


def test_lang_vn_suggests_vi() -> None:
    code, _, err = invoke("check", str(SAMPLE), "--lang", "vn")
    assert code == 2 and "did you mean 'vi'" in err
    assert invoke("check", str(SAMPLE), "--lang", "VI")[0] == 1


def test_inventory_headers_and_values_written_for_people(tmp_path: Path) -> None:
    src = tmp_path / "s.csv"
    src.write_text(
        "ID,Machine type,Manufactured,Condition,Warehouse\nA,CNC_Lathe,2020,Used,W1\n", encoding="utf-8"
    )
    out = tmp_path / "o.jsonl"
    code, _, err = invoke(
        "inventory", str(src), "--destination", "VN", "--as-of", "2026-09-01", "-o", str(out)
    )
    row = json.loads(out.read_text(encoding="utf-8"))
    assert row["verdict"] != "error" and row["Warehouse"] == "W1", (row, err)


def test_inventory_without_its_documents_file_is_one_usage_message(tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    code, _, err = invoke("inventory", str(SHIPMENTS / "inventory" / "stock.csv"), "--destination", "VN",
                          "-o", str(out))  # fmt: skip
    assert code == 2 and "--documents" in err and not out.exists()


def test_an_inventory_row_reports_every_bad_column(tmp_path: Path) -> None:
    src = tmp_path / "s.csv"
    src.write_text("id,machine_type,manufactured,condition\nA,lathe,2020-13-01,usd\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    invoke("inventory", str(src), "--destination", "VN", "-o", str(out))
    reasons = json.loads(out.read_text(encoding="utf-8"))["reasons"]
    assert all(f"column '{c}'" in reasons for c in ("machine_type", "manufactured", "condition")), reasons


def test_the_plain_item_header_names_maker_and_model() -> None:
    _, out, _ = invoke("check", str(SAMPLE))
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    first = data["items"][0]
    header = next(line for line in out.splitlines() if line.startswith(f"Item {first['id']}:"))
    assert first["manufacturer"] in header and first["model"] in header


def test_yaml_syntax_errors_say_what_they_usually_mean(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    cases = {
        "shipment:\n  id: a: b\n": "put the value in quotes",
        'shipment:\n  id: "abc\n': "never closed",
        "a: @x\n": "put it in quotes",
    }
    for text, words in cases.items():
        path.write_text(text, encoding="utf-8")
        code, _, err = invoke("check", str(path))
        assert code == 2 and "YAML syntax error" in err and words in err, err


def test_analyst_outputs_show_no_python_values(tmp_path: Path) -> None:
    import re

    python = re.compile(r"\bTrue\b|\bFalse\b|\bNone\b|\['|\{'")
    outs = [invoke("explain", str(SHIPMENTS / "vn-used-vmc-hold.yaml"), "--item", "L1")[1]]
    outs.append(invoke("rulesets", "show", "asean-joint-green-access-2026")[1])
    outs.append(invoke("rulesets", "diff", "vn-circular-12-2026", "--at", "2026-08-01", "--at", "2027-02-01",
                       "--drafts")[1])  # fmt: skip
    for out in outs:
        assert out.strip() and not python.search(out), python.findall(out)[:5]


def test_the_inventory_workbook_opens_filtered_frozen_and_typed(tmp_path: Path) -> None:
    import openpyxl

    inv = SHIPMENTS / "inventory"
    out = tmp_path / "o.xlsx"
    code, _, err = invoke("inventory", str(inv / "stock.csv"), "--documents", str(inv / "documents.yaml"),
                          "--destination", "VN", "--as-of", "2026-09-01", "--as-of", "2027-01-01", "-o", str(out))  # fmt: skip
    book = openpyxl.load_workbook(out)
    ws = book["verdicts"]
    header = [c.value for c in ws[1]]
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref.startswith("A1:")
    assert all(c.font.b for c in ws[1])
    assert {"machine_type", "model", "manufactured"} <= set(header)
    first = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert first["manufactured"].is_date and isinstance(first["price_usd"].value, int)
    assert first["reasons"].alignment.wrap_text
    assert header.index("verdict") < header.index("verdict@2026-09-01")
    rows = list(book["summary"].iter_rows(values_only=True))
    assert rows[0][:2] == ("destination", "as of") and len(rows) == 3  # VN on each date
    assert "VN on 2026-09-01 (the verdict column)" in err and "VN on 2027-01-01" in err


def test_the_verdict_column_is_the_first_date(tmp_path: Path) -> None:
    src = tmp_path / "s.csv"
    # A machining centre that Circular 12 holds from 2026-07-01: clear before, hold after.
    src.write_text(
        "id,machine_type,manufactured,condition\nA,machining_center,2024-01-01,new\n", encoding="utf-8"
    )
    out = tmp_path / "o.jsonl"
    invoke("inventory", str(src), "--destination", "VN", "--as-of", "2026-06-01", "--as-of", "2026-08-01",
           "-o", str(out))  # fmt: skip
    row = json.loads(out.read_text(encoding="utf-8"))
    assert row["verdict"] == row["verdict@2026-06-01"] == "clear" and row["verdict@2026-08-01"] == "hold"


def test_init_writes_a_starter_that_checks_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    code, _, _ = invoke("init", str(target))
    assert code == 0 and "docs/manifest.md" in target.read_text(encoding="utf-8")
    code, out, err = invoke("check", str(target), "--format", "json")
    assert code in (0, 1, 3), err
    assert json.loads(out)["shipment_id"] == "SHP-2026-0001"
    before = target.read_text(encoding="utf-8")
    assert invoke("init", str(target))[0] == 2 and target.read_text(encoding="utf-8") == before


def test_the_manifest_guide_names_every_field() -> None:
    from compliance.models.manifest import Document, Item, Shipment

    guide = (Path(__file__).resolve().parent.parent / "docs" / "manifest.md").read_text(encoding="utf-8")
    for model in (Shipment, Item, Document):
        missing = [f for f in model.model_fields if f"`{f}`" not in guide]
        assert missing == [], (model.__name__, missing)


def test_a_checklist_a_client_can_act_on_and_sign(tmp_path: Path) -> None:
    path = _sample(tmp_path, lambda d: d["shipment"].update(departure_date="2026-09-10"))
    who = "Hanoi Customs Brokers Co., Ms Lan, +84 24 0000 0000"
    code, out, _ = invoke("check", str(path), "--format", "markdown", "--prepared-by", who)
    assert code == 1
    assert f"| Prepared by | {who} |" in out and "Client acknowledgement" in out and "Company stamp" in out
    # Needed by: arrival for most documents, departure for the pre-shipment inspection (Decision 18).
    assert "| Needed by |" in out and "10 Sept 2026" in out and "2 Oct 2026" in out
    # A review row that comes from the rule's scope carries a severity and the scope's citation.
    review = next(
        line
        for line in out.splitlines()
        if "similar equipment" in line and line.startswith("| **to review**")
    )
    assert "| blocking |" in review and "Joint Green Access Guidelines" in review.split("|")[-2]


def test_manifest_and_registry_schemas_describe_every_field() -> None:
    for what in ("manifest", "registry"):
        schema = json.loads(invoke("schema", what)[1])
        props = [
            (name, p, v)
            for name, d in schema.get("$defs", {}).items()
            for p, v in d.get("properties", {}).items()
        ]
        props += [("root", p, v) for p, v in schema.get("properties", {}).items()]
        missing = [(n, p) for n, p, v in props if not v.get("description")]
        assert missing == [], (what, missing)


def test_one_document_type_asked_by_two_rulesets_is_grouped_with_a_note(tmp_path: Path) -> None:
    data = yaml.safe_load((SHIPMENTS / "vn-used-vmc-hold.yaml").read_text(encoding="utf-8"))
    data["documents"] = [d for d in data["documents"] if d["type"] != "carbon_footprint_report"]
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    _, out, _ = invoke("check", str(path), "--format", "json")
    lines = json.loads(out)["documents_to_obtain"]
    types = [d["document_type"] for d in lines]
    first = types.index("carbon_footprint_report")
    reports = [d for d in lines if d["document_type"] == "carbon_footprint_report"]
    assert len(reports) == 2 and types[first + 1] == "carbon_footprint_report"  # adjacent
    a, b = reports
    assert a["same_document_as"] == [f"{b['ruleset']}/{b['requirement']}"]
    assert b["same_document_as"] == [f"{a['ruleset']}/{a['requirement']}"]


def test_the_vietnamese_text_format_reads_in_vietnamese() -> None:
    _, out, _ = invoke("check", str(SHIPMENTS / "vn-used-vmc-hold.yaml"), "--lang", "vi")
    first = out.splitlines()[0]
    assert "KHÔNG ĐẠT" in first and "(HOLD)" in first  # the word, and the code scripts grep for
    assert "trung tâm gia công" in out and "(bắt buộc)" in out and "(blocking)" not in out
    _, en, _ = invoke("check", str(SHIPMENTS / "vn-used-vmc-hold.yaml"))
    assert en.splitlines()[0].endswith(": HOLD") and "[machining_center, used" in en


def test_an_80_column_terminal_breaks_no_document_word() -> None:
    import os
    import subprocess
    import sys

    master, slave = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "compliance", "check", str(SAMPLE)], stdout=slave,
                            stderr=subprocess.DEVNULL, env=env)  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    proc.wait(timeout=120)
    out = b"".join(chunks).decode("utf-8", "replace")
    assert "Carbon-footprint" in out and "Carbon-footpri\n" not in out.replace("\r", "")
    assert max(len(line) for line in out.replace("\r", "").splitlines()) <= 80
