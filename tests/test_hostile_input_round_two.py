"""Hostile and messy input, round two: one test per class of input that crashed, overwrote a file,
or cleared by accident before. Each asserts what a user relies on: a verdict, or exit 2 with a message
naming the file, and nothing written or destroyed."""

from __future__ import annotations

import csv
import json
import os
import signal
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from helpers import ROOT, SHIPMENTS

from compliance import cli as cli_module
from compliance.cli import cli, run_command
from compliance.inventory import Judge, load_documents, run
from compliance.models.errors import EngineIntegrityError
from compliance.reading.inputs import load_registry, load_rulesets

HOLD = SHIPMENTS / "vn-used-vmc-hold.yaml"
INVENTORY = SHIPMENTS / "inventory"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def write_yaml(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def hold_data() -> dict:
    return yaml.safe_load(HOLD.read_text(encoding="utf-8"))


# 1. a repeated document id, and a dying worker


def test_a_repeated_document_id_in_a_cell_is_one_document(tmp_path: Path) -> None:
    rows = list(csv.DictReader((INVENTORY / "stock.csv").open(encoding="utf-8")))
    twice = [
        dict(r, documents=";".join([r["documents"], r["documents"]]) if r.get("documents") else "")
        for r in rows
    ]
    for name, data in (("once.csv", rows), ("twice.csv", twice)):
        with (tmp_path / name).open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(data)
    outs = []
    for name in ("once.csv", "twice.csv"):
        code, _, err = invoke("inventory", str(tmp_path / name), "--documents", str(INVENTORY / "documents.yaml"),
                              "--destination", "VN", "--as-of", "2026-09-01", "--workers", "2",
                              "-o", str(tmp_path / f"{name}.jsonl"))  # fmt: skip
        assert code in (0, 1, 2, 3), err  # the sample stock has one malformed row (exit 2)
        outs.append([json.loads(x)["verdict"] for x in (tmp_path / f"{name}.jsonl").read_text().splitlines()])
    assert outs[0] == outs[1]


class _Crash:
    def evaluate(self, program, facts):  # noqa: ANN001, ANN201
        os.kill(os.getpid(), signal.SIGSEGV)


def test_a_worker_that_dies_fails_the_run_and_leaves_nothing(tmp_path: Path) -> None:
    judge = Judge(load_rulesets(), load_registry([]), load_documents(INVENTORY / "documents.yaml"), ["VN"],
                  [__import__("datetime").date(2026, 9, 1)], fast=False, evaluator=_Crash())  # fmt: skip
    out = tmp_path / "out.csv"
    with pytest.raises(EngineIntegrityError, match="worker process died"):
        run(INVENTORY / "stock.csv", judge, out, workers=2)
    assert list(tmp_path.iterdir()) == []


# 2. no ruleset loaded


def test_no_ruleset_loaded_is_bad_input(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = invoke("check", str(HOLD), "--rulesets", str(empty))
    assert code == 2 and "no ruleset files" in err
    assert invoke("rulesets", "lint", str(empty))[0] == 2
    yml = tmp_path / "yml"
    yml.mkdir()
    (yml / "c12.yml").write_bytes((ROOT / "rulesets" / "vn-circular-12-2026.yaml").read_bytes())
    code, out, _ = invoke("check", str(HOLD), "--rulesets", str(yml), "--format", "json")
    assert code == 1 and [r["ruleset"] for r in json.loads(out)["items"][0]["rulesets"]] == [
        "vn-circular-12-2026"
    ]


# 3. outputs that would destroy something


def test_an_output_that_is_an_input_or_not_a_file_is_refused(tmp_path: Path) -> None:
    m = tmp_path / "m.yaml"
    m.write_bytes(HOLD.read_bytes())
    before = m.read_bytes()
    code, _, err = invoke("check", str(m), "-o", str(m))
    assert code == 2 and "one of this run's inputs" in err and m.read_bytes() == before
    assert invoke("check", str(m), "-o", "/dev/null")[0] == 2
    assert invoke("check", str(m), "-o", "")[0] == 2
    assert invoke("check", str(m), "-o", str(tmp_path / "missing" / "x.txt"))[0] == 2
    code, out, _ = invoke("check", str(m), "-o", "-")
    assert code == 1 and out.startswith("Shipment") and not (Path.cwd() / "-").exists()
    stock = tmp_path / "stock.csv"
    stock.write_bytes((INVENTORY / "stock.csv").read_bytes())
    assert invoke("inventory", str(stock), "--destination", "VN", "-o", str(stock))[0] == 2


def test_inventory_output_has_the_usual_mode(tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    invoke("inventory", str(INVENTORY / "stock.csv"), "--documents", str(INVENTORY / "documents.yaml"),
           "--destination", "VN", "-o", str(out))  # fmt: skip
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


# 4. workbooks


def _book(path: Path, *, hidden_first: bool = False, formula: bool = False, chart: bool = False) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "old"
    first.append(["id", "machine_type", "manufactured", "condition"])
    first.append(["OLD-1", "cnc_lathe", "2010-01-01", "used"])
    current = book.create_sheet("current")
    current.append(["id", "machine_type", "manufactured", "condition"])
    current.append(["NEW-1", "machining_center", '=TEXT(2020,"0")' if formula else "2020-01-01", "new"])
    if hidden_first:
        first.sheet_state = "hidden"
    book.active = 1
    if chart:
        book.create_chartsheet("chart", 0)
        book.active = 0
    book.save(path)
    return path


def test_xlsx_reads_the_active_sheet_and_says_so(tmp_path: Path) -> None:
    path = _book(tmp_path / "s.xlsx", hidden_first=True)
    out = tmp_path / "o.jsonl"
    code, _, err = invoke(
        "inventory", str(path), "--destination", "VN", "--as-of", "2026-09-01", "-o", str(out)
    )
    assert "read sheet 'current'" in err
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["NEW-1"]
    invoke("inventory", str(path), "--destination", "VN", "--sheet", "old", "-o", str(out))
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["OLD-1"]
    assert invoke("inventory", str(path), "--destination", "VN", "--sheet", "nope", "-o", str(out))[0] == 2


def test_xlsx_uncomputed_formula_and_chart_sheet(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    code, _, _ = invoke(
        "inventory", str(_book(tmp_path / "f.xlsx", formula=True)), "--destination", "VN", "-o", str(out)
    )
    row = json.loads(out.read_text().splitlines()[0])
    assert code == 2 and row["verdict"] == "error" and "formula" in row["reasons"]
    code, _, err = invoke("inventory", str(_book(tmp_path / "c.xlsx", chart=True)), "--destination", "VN")
    assert code == 2 and "chart" in err


# 5. whole standard numbers


def test_a_standard_is_matched_by_its_whole_number(tmp_path: Path) -> None:
    data = yaml.safe_load((SHIPMENTS / "th-used-lathe-review.yaml").read_text(encoding="utf-8"))
    for d in data["documents"]:
        if d.get("standards"):
            d["standards"] = ["ISO 1406799"]
    _, out, _ = invoke("check", str(write_yaml(tmp_path / "m.yaml", data)), "--format", "json")
    reqs = [r for i in json.loads(out)["items"] for rs in i["rulesets"] for r in rs.get("requirements", [])
            if r["id"] == "carbon-statement"]  # fmt: skip
    assert reqs and all(r["status"] != "satisfied" for r in reqs)


# 7. verdicts do not depend on row order


def test_inventory_verdicts_do_not_depend_on_row_order(tmp_path: Path) -> None:
    rows = list(csv.DictReader((INVENTORY / "stock.csv").open(encoding="utf-8")))
    results = []
    for name, data in (("a.csv", rows), ("b.csv", list(reversed(rows)))):
        with (tmp_path / name).open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(data)
        invoke("inventory", str(tmp_path / name), "--documents", str(INVENTORY / "documents.yaml"),
               "--destination", "VN", "--destination", "TH", "-o", str(tmp_path / f"{name}.jsonl"))  # fmt: skip
        lines = [json.loads(x) for x in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
        results.append(sorted((x["id"], x["destination"], x["verdict"], x["reasons"]) for x in lines))
    assert results[0] == results[1]


# 8. Ctrl-C


def test_an_interrupted_run_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module.cli, "main", interrupted)
    assert run_command(["check", "x.yaml"]) == 130


# 9. headers


def test_headers_are_neutralised_and_unnamed_columns_refused(tmp_path: Path) -> None:
    src = tmp_path / "s.csv"
    src.write_text('id,machine_type,manufactured,condition,"=HYPERLINK(""http://x"",""y"")"\n'
                   "A1,cnc_lathe,2020-01-01,new,w\n", encoding="utf-8")  # fmt: skip
    out = tmp_path / "o.xlsx"
    invoke("inventory", str(src), "--destination", "VN", "-o", str(out))
    header = [c.value for c in next(openpyxl.load_workbook(out).active.iter_rows())]
    assert any(h.startswith("'=HYPERLINK") for h in header) and not any(h.startswith("=") for h in header)
    blank = tmp_path / "b.csv"
    blank.write_text(
        "id,,machine_type,manufactured,condition\nA1,x,cnc_lathe,2020-01-01,new\n", encoding="utf-8"
    )
    code, _, err = invoke("inventory", str(blank), "--destination", "VN")
    assert code == 2 and "no name" in err


# 10. forged lines and terminal escapes


def test_newlines_and_escapes_in_values_forge_nothing(tmp_path: Path) -> None:
    data = hold_data()
    data["shipment"]["id"] = "X\nShipment FAKE: CLEAR\x1b]0;owned\x07\u202e"
    code, out, _ = invoke("check", str(write_yaml(tmp_path / "m.yaml", data)))
    assert code == 1
    assert not any(line.startswith("Shipment FAKE") for line in out.splitlines())
    assert "\x1b" not in out and "\u202e" not in out and "\\x1b" in out


# 12-13. exhaustion


def test_merge_keys_are_refused_with_words(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        HOLD.read_text(encoding="utf-8") + "\nextra: &a {x: 1}\nmore: {<<: *a}\n", encoding="utf-8"
    )
    code, _, err = invoke("check", str(path))
    assert code == 2 and "merge keys" in err
    path.write_text("<<: 5\n", encoding="utf-8")
    assert invoke("check", str(path))[0] == 2


@pytest.mark.parametrize("ref", ["/dev/zero", "../outside.json", "/etc/passwd"])
def test_pact_files_only_inside_the_manifest_folder(tmp_path: Path, ref: str) -> None:
    (tmp_path / "outside.json").write_text("{}", encoding="utf-8")
    folder = tmp_path / "ship"
    folder.mkdir()
    data = hold_data()
    data["documents"][0]["pact_file"] = ref
    code, _, err = invoke("check", str(write_yaml(folder / "m.yaml", data)))
    assert code == 2 and "pact_file" in err


def test_non_regular_files_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "reg.yaml"
    os.mkfifo(fifo)
    code, _, err = invoke("check", str(HOLD), "--registry", str(fifo))
    assert code == 2 and "not a regular file" in err
    code, _, err = invoke("check", "/dev/zero")
    assert code == 2


# 16-17. bad input, not crashes; valid JSON accepted


def test_control_characters_even_in_comments(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("# a comment \x07\n" + HOLD.read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = invoke("check", str(path))
    assert code == 2 and "U+0007" in err and ":1:" in err


def test_pact_reference_period_in_year_9999(tmp_path: Path) -> None:
    (tmp_path / "fp.json").write_text(json.dumps({"pcf": {"referencePeriodEnd": "9999-06-01T00:00:00Z"}}))
    data = hold_data()
    data["documents"][0]["pact_file"] = "fp.json"
    code, _, err = invoke("check", str(write_yaml(tmp_path / "m.yaml", data)))
    assert code == 2 and "referencePeriodEnd" in err


def test_an_arrival_in_year_1_does_not_crash(tmp_path: Path) -> None:
    data = hold_data()
    data["shipment"]["arrival_date"] = "0001-01-01"
    for it in data["items"]:
        it["manufactured"] = 1900
    code, _, err = invoke("check", str(write_yaml(tmp_path / "m.yaml", data)), "--format", "markdown")
    assert code in (0, 1, 2, 3) and "internal error" not in err


def test_valid_json_is_accepted(tmp_path: Path) -> None:
    data = hold_data()
    data["shipment"]["exporter"] = "Exporter \U0001f600"
    data["items"][0]["quantity"] = 1
    text = json.dumps(data, indent="\t", default=str)  # tabs, and a surrogate pair escape for the emoji
    text = text.replace('"quantity": 1', '"quantity": 1e0')
    path = tmp_path / "m.json"
    path.write_text(text, encoding="utf-8")
    code, out, err = invoke("check", str(path), "--format", "json")
    assert code == 1, err
    assert json.loads(out)["exporter"] == "Exporter \U0001f600"


def test_a_file_holding_only_a_document_marker(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("---\n", encoding="utf-8")
    code, _, err = invoke("check", str(path))
    assert code == 2 and "NoneType" not in err and "no data" in err


def test_registries_with_inverted_dates_or_repeated_ids(tmp_path: Path) -> None:
    base = {
        "id": "R-1",
        "verifier": "v",
        "body": "VinaCert",
        "valid_from": "2025-01-01",
        "valid_until": "2027-01-01",
    }
    inverted = write_yaml(tmp_path / "a.yaml", {"accreditations": [dict(base, valid_until="2024-01-01")]})
    repeated = write_yaml(tmp_path / "b.yaml", {"accreditations": [base, base]})
    for reg in (inverted, repeated):
        code, _, err = invoke("check", str(HOLD), "--registry", str(reg))
        assert code == 2 and str(reg) in err


# 11. the audit log


def _audit(log: Path) -> list[dict]:
    return [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]


def test_audit_hashes_pact_files_and_piped_manifests(tmp_path: Path) -> None:
    import subprocess
    import sys

    log = tmp_path / "audit.jsonl"
    pact = SHIPMENTS / "vn-pact-footprint.yaml"
    invoke("check", str(pact), "--audit-log", str(log))
    paths = [i["path"] for i in _audit(log)[0]["inputs"]]
    assert any(p.endswith(".json") for p in paths), paths  # the PACT file the verdict rests on
    proc = subprocess.run([sys.executable, "-m", "compliance", "check", "/dev/stdin", "--audit-log", str(log)],
                          input=HOLD.read_bytes(), capture_output=True, timeout=120)  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    import hashlib

    piped = _audit(log)[1]["inputs"][0]
    assert piped == {"path": "/dev/stdin", "sha256": hashlib.sha256(HOLD.read_bytes()).hexdigest()}


def test_an_unwritable_audit_log_fails_before_any_report(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    code, stdout, err = invoke(
        "check", str(HOLD), "--audit-log", str(tmp_path / "missing" / "a.jsonl"), "-o", str(out)
    )
    assert code == 2 and "audit log" in err and not out.exists() and stdout == ""


def test_a_run_failing_on_input_gets_an_audit_line(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    bad = tmp_path / "bad.yaml"
    bad.write_text("shipment: {}\n", encoding="utf-8")
    assert invoke("check", str(bad), "--audit-log", str(log))[0] == 2
    (line,) = _audit(log)
    assert line["outcome"] == "bad_input" and "bad.yaml" in line["error"] and line["verdicts"] == []


def test_a_sparse_workbook_reads_only_its_table(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "machine_type", "manufactured", "condition"])
    sheet.append(["A1", "cnc_lathe", "2020-01-01", "new"])
    sheet.cell(row=1048576, column=16384, value="x")  # claims the whole grid in a 5 KB file
    path = tmp_path / "sparse.xlsx"
    book.save(path)
    out = tmp_path / "o.jsonl"
    code, _, err = invoke("inventory", str(path), "--destination", "VN", "-o", str(out))
    assert code == 0, err
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["A1"]


def test_a_key_with_brackets_is_named_as_written(tmp_path: Path) -> None:
    data = hold_data()
    data["items"][0]["a[0]"] = 1
    code, _, err = invoke("check", str(write_yaml(tmp_path / "m.yaml", data)))
    assert code == 2 and "unknown key 'a[0]'" in err and "unknown key '0'" not in err
