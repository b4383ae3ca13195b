"""`compliance inventory`."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

from compliance.cli.common import (
    cli,
    decisions_options,
    drafts_option,
    handle_errors,
    registry_option,
    ruleset_ids_option,
    rulesets_dir_option,
)
from compliance.models.errors import UsageError
from compliance.reading.output import output_target
from compliance.render.visible import visible

if TYPE_CHECKING:  # the inventory package loads only when the command runs
    from compliance.inventory.judge import Judge
    from compliance.inventory.model import Summary


def _counts(counts: Counter[str]) -> str:
    return (
        ", ".join(f"{v} {counts[v]:,}" for v in ("clear", "review", "hold", "error") if counts[v])
        or "no rows"
    )


@cli.command()
@click.argument("inventory_file", metavar="FILE", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--documents",
    "documents_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="YAML file with the `documents:` list that the inventory's documents column names.",
)
@click.option(
    "--destination",
    "destinations",
    multiple=True,
    required=True,
    help="Destination country (ISO 3166-1 alpha-2), repeatable.",
)
@click.option(
    "--as-of",
    "as_of",
    multiple=True,
    help="Judge as of this day (repeatable: two days add a `changes` column), or of a series of days "
    "such as R12/2027-01-01/P1M (every first of the month of 2027). Default: today.",
)
@registry_option
@rulesets_dir_option
@ruleset_ids_option
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Output .csv, .xlsx, .jsonl or .parquet (by suffix). Default: CSV on stdout.",
)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None, help="Processes. Default: the number of cores."
)
@click.option("--no-progress", is_flag=True, help="No progress bar even on a terminal.")
@click.option(
    "--scheduler",
    help="Run the partitions on an existing Dask distributed cluster (tcp://HOST:PORT) instead of local processes.",
)
@click.option(
    "--sheet", help="The workbook sheet to read (XLSX). Default: the active sheet, as Excel opens it."
)
@drafts_option
@decisions_options
@handle_errors
def inventory(
    inventory_file: Path,
    documents_file: Path | None,
    destinations: tuple[str, ...],
    as_of: tuple[str, ...],
    registries: tuple[Path, ...],
    rulesets_dir: Path | None,
    ruleset_ids: tuple[str, ...],
    output: Path | None,
    workers: int | None,
    no_progress: bool,
    scheduler: str | None,
    sheet: str | None,
    drafts: bool,
    decisions_file: Path | None,
    ignore_decisions: bool,
) -> None:
    """Check a whole inventory (CSV, XLSX or Parquet) against several destinations (and dates).

    Example: compliance inventory stock.csv --documents docs.yaml --destination VN --destination TH
    --as-of 2026-06-30 --as-of 2026-07-01 --output verdicts.xlsx

    Exit code: 2 when any row is malformed (its output row says why), else the worst verdict.
    """
    from compliance.inventory import Judge, load_documents
    from compliance.models.common import country_code
    from compliance.reading.days import judging_days
    from compliance.reading.inputs import load_decisions, load_registry, load_rulesets
    from compliance.service import inventory_exit_code

    _collect_seldom_in_own_process()
    try:
        dests = list(dict.fromkeys(country_code(d) for d in destinations))
    except ValueError as exc:
        raise UsageError(str(exc), field="--destination") from None
    days = judging_days(list(as_of)) or [dt.date.today()]
    output = output_target(
        output, [inventory_file, *([documents_file] if documents_file else []), *registries]
    )
    rulesets = load_rulesets(rulesets_dir, list(ruleset_ids), drafts=drafts)
    decisions = (
        load_decisions(decisions_file, rulesets).decisions if decisions_file and not ignore_decisions else []
    )
    judge = Judge(
        rulesets=rulesets,
        decisions=tuple(decisions),
        registry=load_registry(list(registries)),
        documents=load_documents(documents_file),
        destinations=dests,
        days=days,
    )
    procs = workers or os.cpu_count() or 1
    show = not no_progress and sys.stderr.isatty()
    summary = _run(inventory_file, judge, output, workers=procs, sheet=sheet, scheduler=scheduler, show=show)
    lines = _summary_lines(summary, inventory_file, dests, days)
    click.echo("\n".join(lines), err=True)
    sys.exit(inventory_exit_code(summary.by_destination))


def _collect_seldom_in_own_process() -> None:
    """The collector's seldom thresholds for the rest of the process, where the process ends with
    the command; a test's or a caller's process keeps its own settings."""
    from compliance.cli import ends_with_its_command
    from compliance.reading.collecting import collect_seldom_until_exit

    if ends_with_its_command():
        collect_seldom_until_exit()


def _run(
    inventory_file: Path,
    judge: Judge,
    output: Path | None,
    *,
    workers: int,
    sheet: str | None,
    scheduler: str | None,
    show: bool,
) -> Summary:
    """The run, with a count of the rows judged on a terminal."""
    from compliance.inventory import run

    if not show:
        return run(inventory_file, judge, output, workers=workers, sheet=sheet, scheduler=scheduler)
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True
    ) as bar:
        task = bar.add_task("rows judged: 0")
        return run(
            inventory_file,
            judge,
            output,
            workers=workers,
            progress=lambda n: bar.update(task, description=f"rows judged: {n:,}"),
            sheet=sheet,
            scheduler=scheduler,
        )


def _summary_lines(
    summary: Summary, inventory_file: Path, dests: list[str], days: list[dt.date]
) -> list[str]:
    """What the run says on stderr: rows in and out, verdicts per destination and date, what they cover."""
    from compliance.inventory.cells import coverage_cells

    lines = [f"{summary.rows_in:,} rows in, {summary.rows_out:,} rows out ({len(dests)} destination(s))"]
    if summary.sheet is not None:
        lines.insert(0, f"read sheet '{visible(summary.sheet)}' of {inventory_file.name}")
    for dest, counts in summary.by_destination.items():
        parts = ", ".join(f"{v} {counts[v]:,}" for v in ("clear", "review", "hold", "error") if counts[v])
        lines.append(f"  {dest}: {parts or 'no rows'}")
    if len(days) > 1:
        lines[-len(summary.by_destination) :] = [
            f"  {dest} on {days[0]} (the verdict column): {_counts(counts)}"
            for dest, counts in summary.by_destination.items()
        ]
        for dest in summary.by_destination:
            lines += [f"  {dest} on {day}: {_counts(summary.later[(dest, day)])}" for day in days[1:]]
        lines.append(f"  verdict changes between {days[0]} and {days[-1]}: {summary.changed:,} row(s)")
    for (dest, day), cov in summary.coverage.items():
        judged, not_judged = coverage_cells(cov)
        lines.append(f"  {dest} on {day} judged by: {judged} (a clear covers these rules only)")
        lines.append(f"    not judged: {not_judged}")
    for unused in summary.decisions_unused:
        lines.append(f"  ! decision {visible(unused)} matched nothing in this run")
    return lines
