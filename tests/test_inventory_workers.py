"""Chunks judged in worker processes, and CSV written without csv.writer: neither may change a byte
of the output nor lose or repeat a row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys

from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.inventory import Judge, load_documents, run
from compliance.inventory.write import csv_line
from compliance.reading.inputs import load_registry, load_rulesets

sys.path.insert(0, str(ROOT / "bench"))


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


def test_two_workers_write_what_one_writes_on_a_stock_of_several_chunks(tmp_path):
    from generate import generate

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
