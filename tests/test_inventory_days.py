"""`--as-of` as a series of days: an ISO 8601 repeating interval (`R12/2027-01-01/P1M`) gives one
verdict column per day, in order, months counted without drift; bad series are exit 2 with the reason."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from click.testing import CliRunner
from helpers import ROOT

from compliance.cli import cli
from compliance.models.errors import UsageError
from compliance.reading.days import MAX_DAYS, judging_days

INV = ROOT / "shipments" / "inventory" / "stock.csv"
DOCS = ROOT / "shipments" / "inventory" / "documents.yaml"


def test_every_first_of_the_month_of_2027() -> None:
    assert judging_days(["R12/2027-01-01/P1M"]) == [dt.date(2027, m, 1) for m in range(1, 13)]


def test_months_from_the_31st_end_on_each_months_last_day_without_drifting() -> None:
    assert judging_days(["R4/2028-01-31/P1M"]) == [
        dt.date(2028, 1, 31), dt.date(2028, 2, 29), dt.date(2028, 3, 31), dt.date(2028, 4, 30)
    ]  # fmt: skip
    assert judging_days(["R3/2028-02-29/P1Y"]) == [
        dt.date(2028, 2, 29),
        dt.date(2029, 2, 28),
        dt.date(2030, 2, 28),
    ]


def test_weeks_days_and_combined_periods() -> None:
    assert judging_days(["R3/2027-01-01/P2W"]) == [
        dt.date(2027, 1, 1),
        dt.date(2027, 1, 15),
        dt.date(2027, 1, 29),
    ]
    assert judging_days(["R2/2027-01-01/P1M10D"]) == [dt.date(2027, 1, 1), dt.date(2027, 2, 11)]


def test_series_and_single_days_are_merged_in_order_once_each() -> None:
    days = judging_days(["2027-03-01", "R3/2027-01-01/P1M", "2026-12-31"])
    assert days == [dt.date(2026, 12, 31), dt.date(2027, 1, 1), dt.date(2027, 2, 1), dt.date(2027, 3, 1)]
    assert judging_days([]) == []


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("R0/2027-01-01/P1M", "0 days"),
        (f"R{MAX_DAYS + 1}/2027-01-01/P1D", f"1 to {MAX_DAYS} days"),
        ("R3/2027-01-01/P", "the period after P is empty"),
        ("R3/2027-02-30/P1M", "'2027-02-30' is not a date"),
        ("R3/9999-11-01/P1M", "past the year 9999"),
        ("2027-13-01", "'2027-13-01' is not a date"),
        ("R/2027-01-01/P1M", "is not a date"),
        ("R" + "9" * 5000 + "/2027-01-01/P1M", "is not a date"),
        ("R2/2027-01-01/P" + "9" * 5000 + "D", "is not a date"),
    ],
)
def test_a_bad_series_says_why(value: str, said: str) -> None:
    with pytest.raises(UsageError) as raised:
        judging_days([value])
    assert said in str(raised.value) and raised.value.field == "--as-of"


def test_more_days_than_a_run_takes_in_total_is_refused() -> None:
    with pytest.raises(UsageError, match=f"more than {MAX_DAYS} days"):
        judging_days(["R300/2027-01-01/P1D", "R300/2028-01-01/P1D"])


def test_the_command_gives_a_verdict_column_per_day_of_the_series(tmp_path) -> None:
    out = tmp_path / "o.csv"
    args = ["inventory", str(INV), "--documents", str(DOCS), "--destination", "TH", "-o", str(out)]
    result = CliRunner().invoke(cli, [*args, "--as-of", "R3/2026-06-30/P1D"])
    listed = CliRunner().invoke(
        cli,
        [
            *args[:-1],
            str(tmp_path / "l.csv"),
            *(a for d in ("2026-06-30", "2026-07-01", "2026-07-02") for a in ("--as-of", d)),
        ],
    )
    assert result.exit_code == listed.exit_code == 2  # the sample stock's malformed row
    assert out.read_bytes() == (tmp_path / "l.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [c for c in rows[0] if c.startswith("verdict@")] == [
        "verdict@2026-06-30", "verdict@2026-07-01", "verdict@2026-07-02"
    ]  # fmt: skip
    assert next(r for r in rows if r["id"] == "INV-003")["changes"] == "clear -> hold -> hold"


def test_the_command_refuses_a_bad_series_with_exit_2_and_writes_nothing(tmp_path) -> None:
    out = tmp_path / "o.csv"
    result = CliRunner().invoke(
        cli, ["inventory", str(INV), "--destination", "TH", "--as-of", "R3/2027-01-01/P", "-o", str(out)]
    )
    assert result.exit_code == 2 and "--as-of" in result.stderr and "period after P is empty" in result.stderr
    assert not out.exists()
