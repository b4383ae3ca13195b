"""Rows routed to worker processes by series, and CSV written without csv.writer: neither may change
a byte of the output nor lose or repeat a row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys

from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.inventory import Judge, load_documents, run
from compliance.inventory.lanes import split
from compliance.inventory.model import Row
from compliance.inventory.read import Lines
from compliance.inventory.write import csv_line
from compliance.reading.inputs import load_registry, load_rulesets

sys.path.insert(0, str(ROOT / "bench"))

HEADER = ("id", "machine_type", "hs_code", "manufacturer", "model", "manufactured", "condition")


def _lines(series: list[int]) -> Lines:
    cells = [[f"M{i}", "cnc_lathe", "8458.11", "Acme", f"S{s}", "2020", "used"] for i, s in enumerate(series)]
    return Lines(HEADER, list(range(2, len(series) + 2)), cells)


@given(st.lists(st.integers(0, 40), min_size=1, max_size=400), st.integers(2, 4))
@settings(max_examples=120, deadline=None)
def test_every_row_goes_to_exactly_one_lane_and_no_lane_takes_much_more_than_its_share(series, lanes):
    chunk = _lines(series)
    parts = split(chunk, lanes)
    assert len(parts) == lanes
    placed = sorted(p for positions, _ in parts for p in positions)
    assert placed == list(range(len(series)))
    cap = -(-len(series) * 11 // (10 * lanes))
    for positions, part in parts:
        assert len(positions) <= cap
        assert isinstance(part, Lines)
        assert part.cells == [chunk.cells[p] for p in positions] and part.lines == [
            chunk.lines[p] for p in positions
        ]


def test_one_series_is_one_lane_unless_it_would_overload_it():
    (_, first), (_, second) = split(_lines([s % 30 for s in range(600)]), 2)
    assert isinstance(first, Lines) and isinstance(second, Lines)
    models = [{cells[4] for cells in lane.cells} for lane in (first, second)]
    assert len(models[0] & models[1]) <= 1  # at most the series split to keep the lanes even
    # One series only: both lanes still get work.
    alone = split(_lines([0] * 1000), 2)
    assert sorted(len(p) for p, _ in alone) == [450, 550]


def test_workbook_rows_are_split_as_rows():
    rows = [Row(n, {"id": f"M{n}", "model": f"S{n % 3}"}) for n in range(50)]
    parts = split(rows, 2)
    assert sorted(r.line for _, part in parts for r in part) == list(range(50))  # type: ignore[union-attr]


@given(st.lists(st.text(alphabet=st.sampled_from(['a', ' ', ',', '"', '\n', '\r', '\t', '\x00', '\x1b', '=', '-', '@', 'é', '|', ';']),
                        max_size=12), min_size=1, max_size=8))  # fmt: skip
@settings(max_examples=400)
def test_csv_lines_are_what_csv_writer_writes(cells):
    buffer = io.StringIO(newline="")
    from compliance.inventory.write import neutralise

    csv.writer(buffer).writerow([neutralise(c) for c in cells])
    assert csv_line(cells) == buffer.getvalue()
    # and they read back as the (made safe) cells
    assert next(csv.reader(io.StringIO(csv_line(cells), newline=""))) == [neutralise(c) for c in cells]


def test_two_routed_workers_write_what_one_writes_on_a_stock_of_several_chunks(tmp_path):
    from generate import generate

    # Few series, so that the routing has to split one across the workers to keep them even.
    inv, docs = generate(2600, tmp_path, series=3, seed=11, realistic=False)
    judge_args = (
        load_rulesets(),
        load_registry([]),
        load_documents(docs),
        ["VN", "TH"],
        [dt.date(2026, 7, 15)],
    )
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"o{workers}.csv"
        summary = run(inv, Judge(*judge_args), out, workers=workers)
        assert summary.rows_out == summary.rows_in * 2
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert outs[0].count(b"\r\n") >= 2600 * 2


def test_the_collectors_settings_come_back_whatever_order_overlapping_runs_end_in():
    import gc

    from compliance.reading.collecting import collecting_seldom

    before = gc.get_threshold()
    job, load = collecting_seldom(freeze=True), collecting_seldom()  # a server: a job and a load at once
    job.__enter__()
    load.__enter__()
    assert gc.get_threshold() != before and gc.get_freeze_count() > 0
    job.__exit__(None, None, None)  # the first in leaves first: the other is still loading
    assert gc.get_threshold() != before
    load.__exit__(None, None, None)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_command_that_ends_with_its_process_keeps_the_seldom_settings_after_a_run():
    # Restoring the default thresholds after a run makes the next allocation collect every young
    # object the run left (up to a million): `compliance inventory` keeps the seldom ones instead.
    import gc

    from compliance.reading.collecting import collect_seldom_until_exit, collecting_seldom

    before = gc.get_threshold()
    try:
        collect_seldom_until_exit()
        seldom = gc.get_threshold()
        assert seldom[0] > before[0]
        with collecting_seldom(freeze=True):
            pass
        assert gc.get_threshold() == seldom
    finally:
        gc.set_threshold(*before)


def test_an_inventory_run_inside_a_longer_lived_process_leaves_its_collector_settings_alone():
    # The seldom thresholds are kept only where the process ends with the command (the console
    # entry point); a caller running the command in its own process (here pytest) keeps its own.
    import gc

    from click.testing import CliRunner

    from compliance.cli import cli, ends_with_its_command

    stock = ROOT / "shipments" / "inventory"
    before = gc.get_threshold()
    result = CliRunner().invoke(
        cli,
        [
            "inventory",
            str(stock / "stock.csv"),
            "--documents",
            str(stock / "documents.yaml"),
            "--destination",
            "VN",
            "--as-of",
            "2026-07-15",
        ],
    )
    assert result.exit_code == 2 and result.stdout.count("\n") > 1  # judged (one sample row is malformed)
    assert not ends_with_its_command() and gc.get_threshold() == before
