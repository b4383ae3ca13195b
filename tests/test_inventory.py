"""`compliance inventory`: one row per input row and destination, in order; malformed rows kept;
the same verdicts as a one-item `check`; CSV, XLSX, JSON Lines; CSV injection neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT

from compliance.api import check
from compliance.cli import cli
from compliance.inventory import Judge, load_documents, run
from compliance.models.manifest import Manifest
from compliance.reading.inputs import load_registry

INV = ROOT / "shipments" / "inventory" / "stock.csv"
DOCS = ROOT / "shipments" / "inventory" / "documents.yaml"
sys.path.insert(0, str(ROOT / "bench"))


def invoke(*args: str):
    return CliRunner().invoke(cli, ["inventory", *args])


def run_stock():
    """The sample stock against VN and TH as of 2026-07-15."""
    return invoke(
        str(INV),
        "--documents",
        str(DOCS),
        "--destination",
        "VN",
        "--destination",
        "TH",
        "--as-of",
        "2026-07-15",
    )


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_every_row_every_destination_in_order():
    result = run_stock()
    rows = rows_of(result.stdout)
    with INV.open() as fh:
        ids = [r["id"] for r in csv.DictReader(fh)]
    assert [(r["id"], r["destination"]) for r in rows] == [(i, d) for i in ids for d in ("VN", "TH")]
    header = list(rows[0])
    assert header[:5] == ["id", "destination", "verdict", "missing_documents", "reasons"]
    assert header[5:] == ["warehouse", "price_usd"]
    assert rows[0]["warehouse"] == "Qingdao-A"
    assert "7 rows in, 14 rows out" in result.stderr
    assert result.exit_code == 2  # INV-006 is malformed


def test_malformed_row_names_the_column():
    rows = rows_of(
        invoke(str(INV), "--documents", str(DOCS), "--destination", "VN", "--as-of", "2026-07-15").stdout
    )
    bad = next(r for r in rows if r["id"] == "INV-006")
    assert bad["verdict"] == "error"
    assert "column 'manufactured'" in bad["reasons"]


def test_unknown_document_id_is_a_row_error(tmp_path):
    inv = tmp_path / "i.csv"
    inv.write_text("id,machine_type,manufactured,condition,documents\nA,cnc_lathe,2020,used,NOPE\n")
    rows = rows_of(invoke(str(inv), "--documents", str(DOCS), "--destination", "VN").stdout)
    assert rows[0]["verdict"] == "error"
    assert "column 'documents'" in rows[0]["reasons"] and "NOPE" in rows[0]["reasons"]


def test_missing_required_column_is_bad_input(tmp_path):
    inv = tmp_path / "i.csv"
    inv.write_text("id,machine_type,condition\nA,cnc_lathe,used\n")
    out = tmp_path / "o.csv"
    result = invoke(str(inv), "--destination", "VN", "-o", str(out))
    assert result.exit_code == 2
    assert "manufactured" in result.stderr and "i.csv:1" in result.stderr
    assert not out.exists()


def test_changes_between_two_dates():
    result = invoke(
        str(INV),
        "--documents",
        str(DOCS),
        "--destination",
        "TH",
        "--as-of",
        "2026-06-30",
        "--as-of",
        "2026-07-01",
    )
    rows = {r["id"]: r for r in rows_of(result.stdout)}
    assert rows["INV-003"]["verdict@2026-06-30"] == "clear"
    assert rows["INV-003"]["verdict@2026-07-01"] == "hold"
    assert rows["INV-003"]["changes"] == "clear -> hold"
    assert rows["INV-002"]["changes"] == ""
    assert "verdict changes between 2026-06-30 and 2026-07-01: 3 row(s)" in result.stderr


def test_same_verdict_as_a_one_item_check(rulesets):
    """Each row's verdict equals `check` on a one-item manifest with the same data."""
    registry = load_registry([])
    documents = load_documents(DOCS)
    rows = rows_of(run_stock().stdout)
    with INV.open() as fh:
        source = {r["id"]: r for r in csv.DictReader(fh)}
    for row in rows:
        if row["verdict"] == "error":
            continue
        src = source[row["id"]]
        item = {
            k: v
            for k, v in src.items()
            if k
            in (
                "id",
                "machine_type",
                "manufactured",
                "condition",
                "hs_code",
                "manufacturer",
                "model",
                "country_of_manufacture",
                "customs_procedure",
            )
            and v
        }
        ids = [d for d in src["documents"].split(";") if d]
        m = Manifest.model_validate(
            {
                "shipment": {
                    "id": "X",
                    "origin": "CN",
                    "destination": row["destination"],
                    "arrival_date": "2026-07-15",
                },
                "items": [item],
                "documents": [documents[d].model_dump(mode="json", exclude_none=True) for d in ids],
            }
        )
        assert check(m, rulesets, registry).items[0].verdict == row["verdict"], row["id"]


def test_fast_path_equals_slow_path_on_generated_inventory(tmp_path, rulesets):
    from generate import generate

    inv, docs = generate(400, tmp_path, series=15, seed=7)
    registry = load_registry([])
    documents = load_documents(docs)
    days = [dt.date(2026, 6, 30), dt.date(2026, 7, 15)]
    outs = []
    for fast in (True, False):
        out = tmp_path / f"o-{fast}.csv"
        run(
            inv,
            Judge(rulesets, registry, documents, ["VN", "TH", "ID"], days, fast=fast),
            out,
            workers=2 if fast else 1,
        )
        outs.append(out.read_text())
    assert outs[0] == outs[1]
    assert len(rows_of(outs[0])) == 400 * 3


def test_xlsx_in_and_out_and_jsonl(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["id", "machine_type", "manufactured", "condition", "documents", "note"])
    ws.append(
        [
            "X1",
            "machining_center",
            dt.datetime(2019, 3, 1),
            "used",
            "LCA-VMC850;AI-VMC850;CE-VMC850",
            "@SUM(A1)",
        ]
    )
    ws.append([2, "cnc_lathe", 2016, "used", None, "+1 555"])
    src = tmp_path / "stock.xlsx"
    book.save(src)
    out = tmp_path / "out.xlsx"
    result = invoke(
        str(src), "--documents", str(DOCS), "--destination", "TH", "--as-of", "2026-07-15", "-o", str(out)
    )
    assert result.exit_code in (0, 1, 3), result.output
    values = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert values[0][:6] == ("id", "destination", "verdict", "missing_documents", "reasons", "note")
    assert [v[0] for v in values[1:]] == ["X1", "2"]
    assert values[1][5] == "'@SUM(A1)"
    assert values[2][5] == "'+1 555"
    jl = tmp_path / "out.jsonl"
    invoke(str(src), "--documents", str(DOCS), "--destination", "VN", "--as-of", "2026-07-15", "-o", str(jl))
    lines = [json.loads(x) for x in jl.read_text().splitlines()]
    assert [x["id"] for x in lines] == ["X1", "2"]


def test_csv_injection_neutralised(tmp_path: Path):
    inv = tmp_path / "i.csv"
    inv.write_text('id,machine_type,manufactured,condition,comment\n=1+1,cnc_lathe,2020,new,"@SUM(A1)"\n')
    rows = rows_of(invoke(str(inv), "--destination", "VN", "--as-of", "2026-07-15").stdout)
    assert rows[0]["id"] == "'=1+1"
    assert rows[0]["comment"] == "'@SUM(A1)"


def test_unknown_output_suffix_and_destination(tmp_path):
    assert invoke(str(INV), "--destination", "VN", "-o", str(tmp_path / "x.pdf")).exit_code == 2
    result = invoke(str(INV), "--destination", "XX")
    assert result.exit_code == 2 and "XX" in result.stderr
