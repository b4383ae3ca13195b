"""`compliance check` and `compliance schema`."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from compliance.cli.common import (
    cli,
    decisions_options,
    drafts_option,
    handle_errors,
    lang_option,
    parse_day,
    registry_option,
    ruleset_ids_option,
    rulesets_dir_option,
    write_output,
)
from compliance.models.errors import ComplianceError, ExitCode, UsageError
from compliance.reading.loading import DEFAULT_MAX_BYTES
from compliance.reading.output import output_target

if TYPE_CHECKING:
    from compliance.models.report import Report
    from compliance.render import Renderer, RenderOptions


@cli.command()
@click.argument("manifests", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@registry_option
@rulesets_dir_option
@ruleset_ids_option
@click.option("--as-of", "as_of", help="Judge as of this day (YYYY-MM-DD). Default: the arrival date.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown", "html", "pdf"]),
    default="text",
    show_default=True,
    help="text (a table on a terminal), json, or a broker's checklist: markdown, html, pdf.",
)
@lang_option
@click.option(
    "--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout."
)
@click.option(
    "--prepared-by",
    help='Who prepares the checklist, e.g. "Hanoi Customs Brokers Co., Ms Lan, +84 24 0000 0000".',
)
@click.option("--no-color", is_flag=True, help="No colour on a terminal (as does the NO_COLOR variable).")
@click.option(
    "--max-size",
    type=int,
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse manifests larger than this many bytes.",
)
@drafts_option
@decisions_options
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
    prepared_by: str | None,
    no_color: bool,
    max_size: int,
    drafts: bool,
    decisions_file: Path | None,
    ignore_decisions: bool,
    audit_log: Path | None,
) -> None:
    """Check shipment manifests against the rulesets.

    Example: compliance check shipments/vn-used-vmc-hold.yaml --format html --lang vi -o checklist.html
    """  # noqa: D301
    from compliance import render
    from compliance.service import CheckRequest, CheckRun, check_files, produced_now
    from compliance.service.audit import AuditLog

    # Opened first: an audit log that cannot be written stops the run before anything is judged, and
    # every run that reaches a verdict or fails on input gets its line.
    audit = AuditLog(audit_log) if audit_log is not None else None
    command = ["compliance", *sys.argv[1:]]
    run: CheckRun | None = None
    try:
        day = parse_day(as_of, "--as-of")
        output = output_target(output, [*manifests, *registries])
        renderer = render.get(fmt)
        if fmt in ("markdown", "html", "pdf") and len(manifests) > 1:
            raise UsageError(
                f"a {fmt} checklist is one shipment; give one manifest per run", field="MANIFESTS"
            )
        if fmt in render.BINARY and output is None and sys.stdout.isatty():
            raise UsageError("PDF is not for a terminal: give --output FILE (or pipe it)", field="--output")
        options = _options(output is None and fmt == "text" and sys.stdout.isatty(), no_color, lang)
        request = CheckRequest(
            manifests=list(manifests), registries=list(registries), rulesets_dir=rulesets_dir,
            ruleset_ids=list(ruleset_ids), as_of=day, drafts=drafts, max_size=max_size,
            produced_at=produced_now(), prepared_by=prepared_by, decisions=decisions_file,
            ignore_decisions=ignore_decisions,
        )  # fmt: skip
        run = CheckRun(request)  # before judging: on bad input its audit line lists what was read
        check_files(run)
    except ComplianceError as exc:
        if audit is not None:
            audit.append((run or CheckRun(CheckRequest(list(manifests)))).failed_entry(command, str(exc)))
        raise
    write_output(_text(run.reports, fmt, renderer, options), output)
    if audit is not None:
        audit.append(run.audit_entry(command))
    sys.exit(run.exit_code)


def _options(terminal: bool, no_color: bool, lang: str) -> RenderOptions:
    from compliance.render import RenderOptions

    return RenderOptions(
        terminal=terminal,
        color=terminal and not no_color and not os.environ.get("NO_COLOR"),
        width=shutil.get_terminal_size((110, 24)).columns if terminal else None,
        lang=lang,
    )


def _text(reports: list[Report], fmt: str, renderer: Renderer, options: RenderOptions) -> str | bytes:
    """The output: one report as its format gives it; several as one JSON array, else one after another."""
    if fmt == "json" and len(reports) > 1:
        from compliance.render.json_format import report_dict

        dicts = [report_dict(r, options.lang) for r in reports]
        return json.dumps(dicts, indent=2, ensure_ascii=False) + "\n"
    if len(reports) == 1:
        return renderer(reports[0], options)
    return "\n".join(str(renderer(r, options)) for r in reports)


@cli.command()
@click.argument("what", type=click.Choice(["manifest", "result", "registry", "ruleset", "decisions"]))
@handle_errors
def schema(what: str) -> None:
    """Print the JSON Schema of a file the tool reads or writes.

    Example: compliance schema result
    """
    from compliance.models.schemas import schema as schema_of

    schema = schema_of(what)
    click.echo(json.dumps(schema, indent=2, ensure_ascii=False))


@cli.command()
@click.argument("output", type=click.Path(path_type=Path, dir_okay=False), default="manifest.yaml")
@handle_errors
def init(output: Path) -> None:
    """Write a commented starter manifest to fill in (every field explained in docs/manifest.md).

    Example: compliance init my-shipment.yaml && compliance check my-shipment.yaml
    """
    from compliance.reading.resources import TEMPLATES

    target = output_target(output, [])
    if target is not None and target.exists():
        raise UsageError(f"{target} exists; give another file name (init never overwrites)", field="OUTPUT")
    write_output((TEMPLATES / "manifest-starter.yaml").read_text(encoding="utf-8"), target)
    if target is not None:
        click.echo(f"wrote {target}: fill it in, then run: compliance check {target}", err=True)


@cli.command()
@click.argument("output", type=click.Path(path_type=Path, dir_okay=False), default="manifest.xlsx")
@lang_option
@handle_errors
def template(output: Path, lang: str) -> None:
    """Write the blank manifest workbook (sheets Shipment, Items, Documents, with lists and notes).

    Example: compliance template packing-list.xlsx --lang vi && compliance check packing-list.xlsx
    """
    from compliance.reading.workbook_template import write_template

    if output.suffix.lower() != ".xlsx":
        raise UsageError("the template is a workbook: give a file name ending in .xlsx", field="OUTPUT")
    target = output_target(output, [])
    assert target is not None
    if target.exists():
        raise UsageError(
            f"{target} exists; give another file name (template never overwrites)", field="OUTPUT"
        )
    _written(target, lambda tmp: write_template(tmp, lang))
    click.echo(f"wrote {target}: fill it in, then run: compliance check {target}", err=True)


@cli.command()
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("output", type=click.Path(path_type=Path, dir_okay=False))
@handle_errors
def convert(source: Path, output: Path) -> None:
    """Convert a manifest between YAML/JSON, a workbook (.xlsx) and the one-sheet CSV form; it is
    validated on the way.

    Example: compliance convert shipments/vn-container-mixed.yaml mixed.xlsx
    """
    from compliance.reading.inputs import load_manifest
    from compliance.reading.pact import carry_footprints
    from compliance.reading.workbook_template import manifest_csv, manifest_yaml, write_workbook

    target = output_target(output, [source])
    assert target is not None
    manifest = load_manifest(source).manifest
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", ".yaml", ".yml", ".csv"):
        raise UsageError(f"unknown output format '{suffix}'; use .xlsx, .csv, .yaml or .yml", field="OUTPUT")
    # A PACT file named by a report goes along, so the converted manifest reads it where it is written.
    refs = [d.pact_file for d in manifest.documents if d.pact_file]
    for copied in carry_footprints(refs, source.parent, target.parent):
        click.echo(f"copied {copied} (pact_file of the manifest)", err=True)
    if suffix == ".xlsx":
        _written(target, lambda tmp: write_workbook(manifest, tmp))
    elif suffix in (".yaml", ".yml"):
        write_output(manifest_yaml(manifest), target)
    else:
        write_output(manifest_csv(manifest), target)


def _written(target: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file beside the target, published whole (no partial output file)."""
    from compliance.reading.output import publish, temporary_beside

    tmp = Path(temporary_beside(target))
    try:
        write(tmp)
        publish(str(tmp), target)
    finally:
        tmp.unlink(missing_ok=True)


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--against", "against", type=click.Path(path_type=Path, file_okay=False),
              help="A second rulesets folder (a new bundle): judge with it after the first.")  # fmt: skip
@click.option(
    "--at", "days", multiple=True, help="A day (YYYY-MM-DD): once for both sides, twice for before and after."
)
@registry_option
@rulesets_dir_option
@ruleset_ids_option
@drafts_option
@decisions_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout."
)
@handle_errors
def recheck(folder: Path, against: Path | None, days: tuple[str, ...], registries: tuple[Path, ...],
            rulesets_dir: Path | None, ruleset_ids: tuple[str, ...], drafts: bool, decisions_file: Path | None,
            ignore_decisions: bool, fmt: str, output: Path | None) -> None:  # fmt: skip
    """Which verdicts change when a folder of manifests is judged by another ruleset bundle, or on
    another day. Exit 0: nothing changes; 3: some verdict changes (listed); 2: bad input.

    Example: compliance recheck shipments/ --at 2026-12-31 --at 2027-01-20
    """
    from compliance.render.recheck import recheck_json, recheck_text
    from compliance.service import CheckRequest, produced_now
    from compliance.service.rechecking import Way
    from compliance.service.rechecking import recheck as run_recheck

    parsed = [d for d in (parse_day(x, "--at") for x in days) if d is not None]
    if len(parsed) > 2:
        raise UsageError("give --at once or twice", field="--at")
    if against is None and len(parsed) != 2:
        raise UsageError("give --against RULESETS_DIR, or two --at days to compare", field="--at")
    first = parsed[0] if parsed else None
    a, b = Way(rulesets_dir, first), Way(against or rulesets_dir, parsed[-1] if parsed else None)
    base = CheckRequest(manifests=[], registries=list(registries), ruleset_ids=list(ruleset_ids), drafts=drafts,
                        produced_at=produced_now(), decisions=decisions_file, ignore_decisions=ignore_decisions)  # fmt: skip
    result = run_recheck(folder, a, b, base=base)
    write_output(recheck_json(result) if fmt == "json" else recheck_text(result), output)
    sys.exit(ExitCode.REVIEW if result.changes else ExitCode.CLEAR)
