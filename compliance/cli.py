"""The command line: parse options, call the library, render, map the outcome to an exit code."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from compliance import __version__
from compliance.errors import ComplianceError, ExitCode, UsageError
from compliance.inputs import DEFAULT_RULESETS
from compliance.loading import DEFAULT_MAX_BYTES
from compliance.models.report import Report, worst

F = TypeVar("F", bound=Callable[..., Any])

VERDICT_EXIT = {"clear": ExitCode.CLEAR, "hold": ExitCode.HOLD, "review": ExitCode.REVIEW}


def write_output(text: str, output: Path | None) -> None:
    """Print, or write a file atomically: a failed run never leaves a partial file."""
    if output is None:
        click.echo(text, nl=False)
        return
    directory = output.parent if str(output.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def handle_errors(func: F) -> F:
    """User errors exit 2 with one message; anything else is a bug: exit 70 and a log file."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ComplianceError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(ExitCode.BAD_INPUT)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug: never a verdict
            fd, log = tempfile.mkstemp(prefix="compliance-crash-", suffix=".log")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(f"compliance {__version__}\n{' '.join(sys.argv)}\n\n")
                fh.write(traceback.format_exc())
            click.echo(f"internal error: {type(exc).__name__}: {exc} (details: {log})", err=True)
            sys.exit(ExitCode.INTERNAL)

    return wrapper  # type: ignore[return-value]


def parse_day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"'{value}' is not a date; expected YYYY-MM-DD", field=option) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="compliance")
def cli() -> None:
    """Compliance checks for shipments of CNC machine tools.

    Exit codes: 0 clear, 1 hold, 2 bad input or usage, 3 review, 70 internal error.
    """


@cli.command()
@click.argument("manifests", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--registry",
    "registries",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Accreditation registry file (repeatable; later files win). Default: the SAMPLE registry.",
)
@click.option(
    "--rulesets",
    "rulesets_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of ruleset YAML files. Default: the shipped rulesets.",
)
@click.option(
    "--ruleset", "ruleset_ids", multiple=True, help="Only this ruleset id (repeatable). Default: all."
)
@click.option("--as-of", "as_of", help="Judge as of this day (YYYY-MM-DD). Default: the arrival date.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout."
)
@click.option(
    "--max-size",
    type=int,
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse manifests larger than this many bytes.",
)
@click.option(
    "--audit-log",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Append one JSON line per run (inputs' SHA-256, rulesets, verdicts) to this file.",
)
@handle_errors
def check(
    manifests: tuple[Path, ...],
    registries: tuple[Path, ...],
    rulesets_dir: Path | None,
    ruleset_ids: tuple[str, ...],
    as_of: str | None,
    fmt: str,
    lang: str,
    output: Path | None,
    max_size: int,
    audit_log: Path | None,
) -> None:
    """Check shipment manifests against the rulesets.

    Example: compliance check shipments/vn-used-vmc-hold.yaml --format json
    """  # noqa: D301
    from compliance import render
    from compliance.api import check as run_check
    from compliance.inputs import check_dates, load_manifest, load_registry, load_rulesets

    day = parse_day(as_of, "--as-of")
    renderer = render.get(fmt)
    rulesets = load_rulesets(rulesets_dir, list(ruleset_ids))
    registry = load_registry(list(registries))
    reports: list[Report] = []
    for path in manifests:
        loaded = load_manifest(path, max_bytes=max_size)
        check_dates(loaded, day or loaded.manifest.shipment.arrival_date)
        reports.append(run_check(loaded.manifest, rulesets, registry, as_of=day, lang=lang))
    if fmt == "json" and len(reports) > 1:
        from compliance.render.json_format import report_dict

        text = json.dumps([report_dict(r) for r in reports], indent=2, ensure_ascii=False) + "\n"
    else:
        text = "\n".join(renderer(r, lang) for r in reports)
    write_output(text, output)
    if audit_log is not None:
        from compliance.audit import record
        from compliance.inputs import SAMPLE_REGISTRY, ruleset_files

        record(
            audit_log,
            command=["compliance", *sys.argv[1:]],
            inputs=[
                *manifests,
                *ruleset_files(rulesets_dir or DEFAULT_RULESETS),
                *(registries or [SAMPLE_REGISTRY]),
            ],
            rulesets=[{"id": i.id, "version": i.version} for i in reports[0].rulesets],
            as_of=sorted({r.as_of for r in reports}),
            verdicts=[
                {
                    "shipment_id": r.shipment_id,
                    "verdict": r.verdict,
                    "items": {i.item_id: i.verdict for i in r.items},
                }
                for r in reports
            ],
        )
    sys.exit(VERDICT_EXIT[worst([r.verdict for r in reports])])


@cli.command()
@click.argument("what", type=click.Choice(["manifest", "result", "registry", "ruleset"]))
@handle_errors
def schema(what: str) -> None:
    """Print the JSON Schema of a file the tool reads or writes.

    Example: compliance schema result
    """
    from pydantic import BaseModel

    from compliance.models.manifest import Manifest
    from compliance.models.registry import RegistryFile
    from compliance.models.report import Report as ReportModel
    from compliance.models.ruleset import Ruleset

    models: dict[str, type[BaseModel]] = {
        "manifest": Manifest, "result": ReportModel, "registry": RegistryFile, "ruleset": Ruleset,
    }  # fmt: skip
    model = models[what]
    click.echo(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False))


def main() -> None:
    cli()


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
    help="Judge as of this day (repeatable: two days add a `changes` column). Default: today.",
)
@click.option(
    "--registry",
    "registries",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Accreditation registry file (repeatable). Default: the SAMPLE registry.",
)
@click.option("--rulesets", "rulesets_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--ruleset", "ruleset_ids", multiple=True, help="Only this ruleset id (repeatable).")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Output .csv, .xlsx or .jsonl (by suffix). Default: CSV on stdout.",
)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None, help="Processes. Default: the number of cores."
)
@click.option("--no-progress", is_flag=True, help="No progress bar even on a terminal.")
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
) -> None:
    """Check a whole inventory against several destinations (and dates).

    Example: compliance inventory stock.csv --documents docs.yaml --destination VN --destination TH
    --as-of 2026-06-30 --as-of 2026-07-01 --output verdicts.xlsx

    Exit code: 2 when any row is malformed (its output row says why), else the worst verdict.
    """
    from compliance.inputs import load_registry, load_rulesets
    from compliance.inventory import Judge, load_documents, run
    from compliance.models.common import _country

    try:
        dests = list(dict.fromkeys(_country(d) for d in destinations))
    except ValueError as exc:
        raise UsageError(str(exc), field="--destination") from None
    days = [d for d in (parse_day(v, "--as-of") for v in as_of) if d is not None] or [dt.date.today()]
    days = sorted(set(days))
    judge = Judge(
        rulesets=load_rulesets(rulesets_dir, list(ruleset_ids)),
        registry=load_registry(list(registries)),
        documents=load_documents(documents_file),
        destinations=dests,
        days=days,
    )
    show = not no_progress and sys.stderr.isatty() and "NO_COLOR" not in os.environ
    procs = workers or os.cpu_count() or 1
    if show:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), transient=True
        ) as bar:
            task = bar.add_task("rows judged: 0")
            summary = run(
                inventory_file,
                judge,
                output,
                workers=procs,
                progress=lambda n: bar.update(task, description=f"rows judged: {n:,}"),
            )
    else:
        summary = run(inventory_file, judge, output, workers=procs)
    lines = [f"{summary.rows_in:,} rows in, {summary.rows_out:,} rows out ({len(dests)} destination(s))"]
    for dest, counts in summary.by_destination.items():
        parts = ", ".join(f"{v} {counts[v]:,}" for v in ("clear", "review", "hold", "error") if counts[v])
        lines.append(f"  {dest}: {parts or 'no rows'}")
    if len(days) > 1:
        lines.append(f"  verdict changes between {days[0]} and {days[-1]}: {summary.changed:,} row(s)")
    click.echo("\n".join(lines), err=True)
    totals: Counter[str] = Counter()
    for counts in summary.by_destination.values():
        totals.update(counts)
    if totals["error"]:
        sys.exit(ExitCode.BAD_INPUT)
    present = [v for v in ("hold", "review", "clear") if totals[v]]
    sys.exit(VERDICT_EXIT[present[0]] if present else ExitCode.CLEAR)
