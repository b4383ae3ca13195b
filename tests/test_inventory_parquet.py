"""Parquet inventories in and out: judged exactly as their CSV export, refused where a column's type
has lost what the user meant, and never a partial output file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from helpers import ROOT

from compliance.cli import cli

INV = ROOT / "shipments" / "inventory" / "stock.csv"
DOCS = ROOT / "shipments" / "inventory" / "documents.yaml"
ARGS = ["--documents", str(DOCS), "--destination", "VN", "--destination", "TH", "--as-of", "2026-07-15"]


def invoke(*args: str):
    return CliRunner().invoke(cli, ["inventory", *args])


def stock() -> dict[str, list[str]]:
    with INV.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {c: [r[c] for r in rows] for c in rows[0]}


def day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:  # a bare year, or the sample's malformed day: no date in a date column
        return None


def typed(columns: dict[str, list[str]]) -> pa.Table:
    """The stock as a data team stores it: days as dates, prices as integers, codes as text."""
    out: dict[str, pa.Array] = {}
    for name, values in columns.items():
        if name == "manufactured":
            out[name] = pa.array([day(v) for v in values], pa.date32())
        elif name == "price_usd":
            out[name] = pa.array([int(v) if v.isdigit() else None for v in values], pa.int64())
        else:
            out[name] = pa.array(values, pa.string())
    return pa.table(out)


def test_a_parquet_stock_is_judged_as_its_csv_export(tmp_path: Path) -> None:
    columns = stock()
    # The CSV the typed table exports to: a day as YYYY-MM-DD, an empty cell where a value is null.
    exported = {**columns, "manufactured": [v if day(v) else "" for v in columns["manufactured"]]}
    as_csv = tmp_path / "stock.csv"
    with as_csv.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(exported)
        w.writerows(zip(*exported.values(), strict=True))
    table = tmp_path / "stock.parquet"
    pq.write_table(typed(columns), table)
    from_csv, from_parquet = invoke(str(as_csv), *ARGS), invoke(str(table), *ARGS)
    assert from_csv.exit_code in (0, 1, 2, 3) and from_parquet.exit_code == from_csv.exit_code
    assert from_parquet.stdout == from_csv.stdout
    assert len(list(csv.DictReader(io.StringIO(from_parquet.stdout)))) == 2 * len(columns["id"])


def test_verdicts_written_as_parquet_are_the_json_lines_cells(tmp_path: Path) -> None:
    jsonl, table = tmp_path / "out.jsonl", tmp_path / "out.parquet"
    invoke(str(INV), *ARGS, "-o", str(jsonl))
    result = invoke(str(INV), *ARGS, "-o", str(table))
    assert result.exit_code in (0, 1, 2, 3), result.output
    expected = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    written = pq.read_table(table)
    assert written.schema.names == list(expected[0])
    assert all(pa.types.is_string(f.type) for f in written.schema)
    assert written.to_pylist() == expected


@pytest.mark.parametrize(
    ("column", "array", "expected"),
    [
        (
            "hs_code",
            pa.array([8457.1], pa.float64()),
            "column 'hs_code' is stored as double; store it as text",
        ),
        ("documents", pa.array([1], pa.int64()), "column 'documents' is stored as int64; store it as text"),
        (
            "model",
            pa.array([[1, 2]], pa.list_(pa.int64())),
            "column 'model' is stored as list<element: int64>",
        ),
        ("warehouse", pa.array([b"\x00"], pa.binary()), "column 'warehouse' is stored as binary"),
    ],
)
def test_a_column_whose_type_lost_its_meaning_is_refused(
    tmp_path: Path, column: str, array, expected: str
) -> None:
    columns = {c: v[:1] for c, v in stock().items()}
    table = typed(columns).set_column(list(columns).index(column), column, array)
    path, out = tmp_path / "stock.parquet", tmp_path / "out.csv"
    pq.write_table(table, path)
    result = invoke(str(path), *ARGS, "-o", str(out))
    assert result.exit_code == 2
    assert str(path) in result.stderr and expected in result.stderr
    assert not out.exists()


def test_a_file_that_is_not_parquet_and_a_missing_column_are_bad_input(tmp_path: Path) -> None:
    fake = tmp_path / "stock.parquet"
    fake.write_bytes(INV.read_bytes())
    result = invoke(str(fake), *ARGS)
    assert (
        result.exit_code == 2
        and "not a readable Parquet file" in result.stderr
        and str(fake) in result.stderr
    )
    columns = stock()
    del columns["machine_type"]
    pq.write_table(typed(columns), fake)
    result = invoke(str(fake), *ARGS)
    assert result.exit_code == 2 and "missing required column(s) machine_type" in result.stderr


def test_timestamps_and_whole_floats_read_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    columns = {c: v[:2] for c, v in stock().items()}
    table = typed(columns)
    made = pa.array([dt.datetime(2019, 3, 1, 0, 0), dt.datetime(2024, 5, 10, 13, 30)], pa.timestamp("s"))
    table = table.set_column(list(columns).index("manufactured"), "manufactured", made)
    price = pa.array([42000.0, 98000.5], pa.float64())
    table = table.set_column(list(columns).index("price_usd"), "price_usd", price)
    path = tmp_path / "stock.parquet"
    pq.write_table(table, path)
    rows = list(csv.DictReader(io.StringIO(invoke(str(path), *ARGS).stdout)))
    assert [r["price_usd"] for r in rows] == ["42000", "42000", "98000.5", "98000.5"]
    assert all(r["verdict"] != "error" for r in rows), rows


def test_the_documents_column_may_be_a_list_of_ids(tmp_path: Path) -> None:
    columns = stock()
    lists = pa.array(
        [[d for d in v.split(";") if d] or None for v in columns["documents"]], pa.list_(pa.string())
    )
    table = typed(columns)
    table = table.set_column(list(columns).index("documents"), "documents", lists)
    path, text = tmp_path / "stock.parquet", tmp_path / "text.parquet"
    pq.write_table(table, path)
    pq.write_table(typed(columns), text)
    assert invoke(str(path), *ARGS).stdout == invoke(str(text), *ARGS).stdout


def test_a_parquet_output_abandoned_leaves_no_file(tmp_path: Path) -> None:
    from compliance.inventory.write import Writer

    out = tmp_path / "verdicts.parquet"
    writer = Writer(out, ["id", "destination", "verdict"])
    writer.write({"id": "INV-1", "destination": "VN", "verdict": "hold"})
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_parquet_file_is_bad_input_naming_where_with_no_output(tmp_path: Path) -> None:
    path, out = tmp_path / "stock.parquet", tmp_path / "out.csv"
    pq.write_table(typed(stock()), path, compression="snappy")
    # The machine types' page: its compressed bytes overwritten (the footer stays readable).
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(list(stock()).index("machine_type"))
    start = chunk.data_page_offset + 8
    data = bytearray(path.read_bytes())
    data[start : start + 24] = b"\xff" * 24
    path.write_bytes(bytes(data))
    result = invoke(str(path), *ARGS, "-o", str(out))
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith(f"error: {path}:") and "the Parquet file is damaged" in message
    assert "\n" not in message
    assert not out.exists()


def test_a_cell_longer_than_a_csv_field_is_refused_before_it_is_read(tmp_path: Path) -> None:
    # Five hundred copies of a megabyte of text compress to a few kilobytes: a bomb, not an inventory.
    columns = {c: v[:1] * 500 for c, v in stock().items()}
    columns["warehouse"] = ["x" * 1_000_000] * 500
    path = tmp_path / "stock.parquet"
    pq.write_table(typed(columns), path)
    assert path.stat().st_size < 200_000
    result = invoke(str(path), *ARGS)
    assert result.exit_code == 2
    assert f"{path}:2: column 'warehouse': a cell longer than 131,072 bytes" in result.stderr
    lists = pa.array([["D1"], ["D" * 200_000]], pa.list_(pa.string()))
    two = typed({c: v[:2] for c, v in stock().items()})
    pq.write_table(two.set_column(list(stock()).index("documents"), "documents", lists), path)
    result = invoke(str(path), *ARGS)
    assert result.exit_code == 2 and f"{path}:3: column 'documents': a cell longer" in result.stderr


def test_a_row_of_nulls_is_skipped_as_its_csv_export_skips_it(tmp_path: Path) -> None:
    columns = {c: v[:2] for c, v in stock().items()}
    table = typed(columns)
    blank = pa.table({name: pa.nulls(1, table.schema.field(name).type) for name in table.column_names})
    path = tmp_path / "stock.parquet"
    pq.write_table(pa.concat_tables([table.slice(0, 1), blank, table.slice(1, 1)]), path)
    rows = list(csv.DictReader(io.StringIO(invoke(str(path), *ARGS).stdout)))
    assert [r["id"] for r in rows] == [columns["id"][0]] * 2 + [columns["id"][1]] * 2
