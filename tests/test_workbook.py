"""Manifests as the spreadsheets brokers keep: a workbook (Shipment, Items, Documents) reads into the
same manifest as YAML, every error names its cell, the template guides the clerk, and `convert`
round-trips every sample both ways with the same report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from helpers import SHIPMENTS
from realparts import COMPLIANCE

SAMPLES = sorted(SHIPMENTS.glob("*.yaml"))
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COMPLIANCE, *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=ENV)


def report(path: Path) -> str:
    done = run("check", str(path), "--format", "json")
    assert done.returncode != 2, done.stderr
    return done.stdout


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_round_trips_through_a_workbook_with_the_same_report(
    sample: Path, tmp_path: Path
) -> None:
    # PACT files are read from the manifest's folder: keep them beside the workbook.
    shutil.copy(SHIPMENTS / "pact-footprint-v3.json", tmp_path)
    book = tmp_path / f"{sample.stem}.xlsx"
    assert run("convert", str(sample), str(book)).returncode == 0
    expected = report(sample)
    assert report(book) == expected
    back = tmp_path / f"{sample.stem}.yaml"
    assert run("convert", str(book), str(back)).returncode == 0
    assert report(back) == expected
    # The one-sheet form: the three sheets as blocks of one CSV file.
    sheet = tmp_path / f"{sample.stem}.csv"
    assert run("convert", str(sample), str(sheet)).returncode == 0
    assert report(sheet) == expected


def _edit(source: Path, target: Path, sheet: str, column: str, row: int, value: object) -> Path:
    book = openpyxl.load_workbook(source)
    ws = book[sheet]
    header = [c.value for c in ws[1]]
    ws.cell(row=row, column=header.index(column) + 1, value=value)
    book.save(target)
    return target


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.xlsx"
    run("convert", str(SHIPMENTS / "vn-container-mixed.yaml"), str(path))
    return path


def test_an_error_names_the_sheet_the_cell_and_what_was_expected(mixed: Path, tmp_path: Path) -> None:
    bad = _edit(mixed, tmp_path / "bad.xlsx", "Items", "condition", 3, "usd")
    out = tmp_path / "out.json"
    done = run("check", str(bad), "--format", "json", "-o", str(out))
    assert done.returncode == 2 and not out.exists()
    assert "bad.xlsx:Items!D3: items[1].condition: 'usd' is not allowed; did you mean 'used'?" in done.stderr
    formula = _edit(mixed, tmp_path / "formula.xlsx", "Items", "manufactured", 2, "=DATE(2019,1,1)")
    done = run("check", str(formula))
    assert done.returncode == 2 and "formula.xlsx:Items!C2: the cell holds a formula" in done.stderr
    number = _edit(mixed, tmp_path / "hs.xlsx", "Items", "hs_code", 2, 8457.1)
    done = run("check", str(number))
    assert done.returncode == 2 and "Items!F2" in done.stderr and "format the cell as text" in done.stderr


def test_a_workbook_without_the_three_sheets_or_with_a_stray_column_is_refused(
    mixed: Path, tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(mixed)
    del book["Documents"]
    book.save(tmp_path / "two.xlsx")
    done = run("check", str(tmp_path / "two.xlsx"))
    assert done.returncode == 2 and "no sheet 'Documents'" in done.stderr
    book = openpyxl.load_workbook(mixed)
    book["Items"].cell(row=1, column=30, value="colour")
    book.save(tmp_path / "colour.xlsx")
    done = run("check", str(tmp_path / "colour.xlsx"))
    assert done.returncode == 2 and "Items!AD1" in done.stderr and "unknown column 'colour'" in done.stderr
    (tmp_path / "fake.xlsx").write_text("not a workbook")
    assert run("check", str(tmp_path / "fake.xlsx")).returncode == 2


def test_the_template_has_lists_notes_dates_an_example_and_a_read_me(tmp_path: Path) -> None:
    path = tmp_path / "manifest.xlsx"
    done = run("template", str(path), "--lang", "vi")
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:4] == ["Shipment", "Items", "Documents", "Read me"]
    items = book["Items"]
    header = {c.value: c for c in items[1]}
    assert "One of: machining_center" in header["machine_type"].comment.text
    lists = [dv for dv in items.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) >= 3  # machine_type, condition, customs_procedure at least
    docs = book["Documents"]
    issued = [c for c in docs[1] if c.value == "issued"][0]
    assert docs.cell(row=5, column=issued.column).number_format == "yyyy-mm-dd"
    assert "Cách điền" in book["Read me"]["A1"].value
    # The example rows make a manifest that checks (a verdict, not bad input).
    assert run("check", str(path)).returncode in (0, 1, 3)
    assert run("template", str(path)).returncode == 2  # never overwrites
    assert run("template", str(tmp_path / "x.csv")).returncode == 2


def test_the_api_takes_a_workbook_manifest(tmp_path: Path) -> None:
    from realparts import make_tokens, served

    url = f"sqlite:///{tmp_path / 'c.db'}"
    tokens = make_tokens(url, "Acme")
    book = tmp_path / "mixed.xlsx"
    run("convert", str(SHIPMENTS / "vn-container-mixed.yaml"), str(book))
    with served(url, cwd=tmp_path, env={"SOURCE_DATE_EPOCH": "1790000000"}) as server:
        server.tokens = tokens
        with server.client("Acme") as c:
            kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            r = c.post("/v1/checks", content=book.read_bytes(), headers={"Content-Type": kind})
            assert r.status_code == 201, r.text
            files = [("manifest", ("packing-list.xlsx", book.read_bytes(), kind))]
            m = c.post("/v1/checks", files=files)
            assert m.status_code == 201, m.text
    assert r.json()["report"] == json.loads(report(SHIPMENTS / "vn-container-mixed.yaml"))
    assert m.json()["inputs"][0]["name"] == "packing-list.xlsx"


def test_a_csv_manifest_names_the_line_of_an_error(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    run("convert", str(SHIPMENTS / "vn-container-mixed.yaml"), str(path))
    lines = path.read_text().splitlines()
    bad = next(i for i, line in enumerate(lines) if line.startswith("A2,"))
    lines[bad] = lines[bad].replace(",used,", ",usd,")
    path.write_text("\n".join(lines) + "\n")
    done = run("check", str(path))
    assert done.returncode == 2
    assert f"mixed.csv:{bad + 1}: items[1].condition: 'usd' is not allowed" in done.stderr
    (tmp_path / "blocks.csv").write_text("[Shipment]\nid,X\n[Items]\nid\n")
    done = run("check", str(tmp_path / "blocks.csv"))
    assert done.returncode == 2 and "no block [Documents]" in done.stderr
