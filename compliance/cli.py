"""The command line: parse options, call the library, render, map the outcome to an exit code."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
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
from compliance.loading import DEFAULT_MAX_BYTES
from compliance.models.report import Report, worst
from compliance.output import output_target, write_file
from compliance.render.visible import visible
from compliance.resources import DEFAULT_RULESETS

F = TypeVar("F", bound=Callable[..., Any])

VERDICT_EXIT = {"clear": ExitCode.CLEAR, "hold": ExitCode.HOLD, "review": ExitCode.REVIEW}


def write_output(text: str | bytes, output: Path | None) -> None:
    """Print, or write a file atomically: a failed run never leaves a partial file."""
    if output is None:
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            click.echo(text, nl=False)
        return
    write_file(text.encode("utf-8") if isinstance(text, str) else text, output)


def handle_errors(func: F) -> F:
    """User errors exit 2 with one message; anything else is a bug: exit 70 and a log file."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ComplianceError as exc:
            # Messages quote what the user wrote: escape what a terminal would obey or misorder.
            click.echo(f"error: {visible(str(exc))}", err=True)
            sys.exit(ExitCode.BAD_INPUT)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as exc:  # a bug: never a verdict
            fd, log = tempfile.mkstemp(prefix="compliance-crash-", suffix=".log")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(f"compliance {__version__}\n{' '.join(sys.argv)}\n\n")
                fh.write(traceback.format_exc())
            click.echo(f"internal error: {type(exc).__name__}: {exc} (details: {log})", err=True)
            sys.exit(ExitCode.INTERNAL)

    return wrapper  # type: ignore[return-value]


def produced_now() -> dt.datetime:
    """Now, or the moment SOURCE_DATE_EPOCH names: the reproducible-builds convention, so a checklist
    made twice from the same inputs can be byte-identical (golden files, archived filings)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError):
            raise UsageError(
                f"SOURCE_DATE_EPOCH is '{epoch}'; expected whole seconds since 1970-01-01", field="SOURCE_DATE_EPOCH"
            ) from None
    return dt.datetime.now(dt.UTC)


def parse_day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"'{value}' is not a date; expected YYYY-MM-DD", field=option) from None


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """The tool's version and the ruleset bundle it judges by: the same hash as in each JSON result
    (`rulesets_sha256`) and audit line, so a verdict can be traced to the exact rules."""
    if not value or ctx.resilient_parsing:
        return
    from compliance.inputs import load_rulesets
    from compliance.models.ruleset import rulesets_digest

    rulesets = load_rulesets()
    click.echo(f"compliance, version {__version__}")
    click.echo(f"rulesets: shipped bundle, sha256 {rulesets_digest(rulesets)}")
    for rs in rulesets:
        click.echo(f"  {rs.id}: versions {', '.join(v.version for v in rs.versions)}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
    help="Show the version and the shipped ruleset bundle's hash, then exit.",
)  # fmt: skip
def cli() -> None:
    """Compliance checks for shipments of CNC machine tools.

    Exit codes: 0 clear, 1 hold, 2 bad input or usage, 3 review, 70 internal error.
    """


registry_option = click.option(
    "--registry",
    "registries",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Accreditation registry file (repeatable; later files win). Default: the SAMPLE registry.",
)
rulesets_dir_option = click.option(
    "--rulesets",
    "rulesets_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of ruleset YAML files. Default: the shipped rulesets.",
)
ruleset_ids_option = click.option(
    "--ruleset", "ruleset_ids", multiple=True, help="Only this ruleset id (repeatable). Default: all."
)
drafts_option = click.option("--drafts", is_flag=True, help="Include draft (anticipated) ruleset versions.")


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
@click.option(
    "--lang",
    type=click.Choice(["en", "vi"]),
    default="en",
    show_default=True,
    help="Language of every sentence and heading (ids and codes stay as they are).",
)
@click.option(
    "--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write here instead of stdout."
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
    no_color: bool,
    max_size: int,
    drafts: bool,
    audit_log: Path | None,
) -> None:
    """Check shipment manifests against the rulesets.

    Example: compliance check shipments/vn-used-vmc-hold.yaml --format html --lang vi -o checklist.html
    """  # noqa: D301
    from compliance import render
    from compliance.api import check as run_check
    from compliance.audit import AuditLog, entry, file_digests
    from compliance.inputs import (
        SAMPLE_REGISTRY,
        check_dates,
        load_manifest,
        load_registry,
        load_rulesets,
        ruleset_files,
    )

    # Opened first: an audit log that cannot be written stops the run before anything is judged, and
    # every run that reaches a verdict or fails on input gets its line.
    audit = AuditLog(audit_log) if audit_log is not None else None
    command = ["compliance", *sys.argv[1:]]
    inputs: list[tuple[Path, str]] = []
    reports: list[Report] = []
    try:
        day = parse_day(as_of, "--as-of")
        output = output_target(output, [*manifests, *registries])
        renderer = render.get(fmt)
        if fmt in ("markdown", "html", "pdf") and len(manifests) > 1:
            raise UsageError(f"a {fmt} checklist is one shipment; give one manifest per run", field="MANIFESTS")
        if fmt in render.BINARY and output is None and sys.stdout.isatty():
            raise UsageError("PDF is not for a terminal: give --output FILE (or pipe it)", field="--output")
        terminal = output is None and fmt == "text" and sys.stdout.isatty()
        options = render.RenderOptions(
            terminal=terminal,
            color=terminal and not no_color and not os.environ.get("NO_COLOR"),
            width=shutil.get_terminal_size((110, 24)).columns if terminal else None,
        )
        produced_at = produced_now()
        rulesets = load_rulesets(rulesets_dir, list(ruleset_ids), drafts=drafts)
        registry = load_registry(list(registries))
        for path in manifests:
            loaded = load_manifest(path, max_bytes=max_size)
            inputs.extend(loaded.inputs)
            check_dates(loaded, day or loaded.manifest.shipment.arrival_date)
            reports.append(
                run_check(loaded.manifest, rulesets, registry, as_of=day, lang=lang, produced_at=produced_at)
            )
    except ComplianceError as exc:
        if audit is not None:
            audit.append(entry(command=command, inputs=inputs, rulesets=[], as_of=[], verdicts=[],
                               outcome="bad_input", error=str(exc)))  # fmt: skip
        raise
    text: str | bytes
    if fmt == "json" and len(reports) > 1:
        from compliance.render.json_format import report_dict

        text = json.dumps([report_dict(r) for r in reports], indent=2, ensure_ascii=False) + "\n"
    elif len(reports) == 1:
        text = renderer(reports[0], options)
    else:
        text = "\n".join(str(renderer(r, options)) for r in reports)
    write_output(text, output)
    if audit is not None:
        audit.append(
            entry(
                command=command,
                inputs=[
                    *inputs,
                    *file_digests([*ruleset_files(rulesets_dir or DEFAULT_RULESETS), *(registries or [SAMPLE_REGISTRY])]),
                ],
                rulesets=[{"id": i.id, "version": i.version} for i in reports[0].rulesets],
                rulesets_sha256=reports[0].rulesets_sha256,
                as_of=sorted({r.as_of for r in reports}),
                verdicts=[
                    {"shipment_id": r.shipment_id, "verdict": r.verdict, "items": {i.item_id: i.verdict for i in r.items}}
                    for r in reports
                ],
            )
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
    """The console entry point.

    The rule engine is C code: a fault there (a signal) would end the process with no verdict and no
    message. So the command runs in a forked child and this parent only waits: a child killed by a
    signal becomes exit 70 with a message, never a silent death and never a verdict."""
    if os.name != "posix":
        sys.exit(run_command())
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code: int = ExitCode.INTERNAL
        try:
            code = run_command()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except BrokenPipeError:
                code = ExitCode.BROKEN_PIPE
            os._exit(code)
    # The child handles Ctrl-C itself (it cleans up its temporary files); the parent keeps waiting.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    status = _wait(pid)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGINT:
            sys.exit(ExitCode.INTERRUPTED)
        if sig == signal.SIGPIPE:
            sys.exit(ExitCode.BROKEN_PIPE)
        name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else str(sig)
        click.echo(
            f"internal error: the checking process died ({name}); no verdict was given. This is a bug: "
            "please report it with the command and its input files.",
            err=True,
        )
        sys.exit(ExitCode.INTERNAL)
    sys.exit(os.waitstatus_to_exitcode(status))


def _wait(pid: int) -> int:
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except InterruptedError:
            continue


def run_command(args: list[str] | None = None) -> int:
    """Run the click command line and return its exit code: Ctrl-C is 130 (not click's 1, which
    would read as HOLD), a closed output pipe is 141 without a message."""
    try:
        result = cli.main(args=args, prog_name="compliance", standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else ExitCode.INTERNAL)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted: no verdict was given", err=True)
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (| head): stop quietly; stdout is gone, so point it at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.BROKEN_PIPE


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
@registry_option
@rulesets_dir_option
@ruleset_ids_option
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
@click.option("--sheet", help="The workbook sheet to read (XLSX). Default: the active sheet, as Excel opens it.")
@drafts_option
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
    sheet: str | None,
    drafts: bool,
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
    output = output_target(output, [inventory_file, *([documents_file] if documents_file else []), *registries])
    judge = Judge(
        rulesets=load_rulesets(rulesets_dir, list(ruleset_ids), drafts=drafts),
        registry=load_registry(list(registries)),
        documents=load_documents(documents_file),
        destinations=dests,
        days=days,
    )
    show = not no_progress and sys.stderr.isatty()
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
                sheet=sheet,
            )
    else:
        summary = run(inventory_file, judge, output, workers=procs, sheet=sheet)
    lines = [f"{summary.rows_in:,} rows in, {summary.rows_out:,} rows out ({len(dests)} destination(s))"]
    if summary.sheet is not None:
        lines.insert(0, f"read sheet '{visible(summary.sheet)}' of {inventory_file.name}")
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


@cli.group()
def rulesets() -> None:
    """Write, test, compare and read rulesets.

    Example: compliance rulesets lint && compliance rulesets test --require-coverage
    """


def _ruleset_paths(paths: tuple[Path, ...], rulesets_dir: Path | None) -> list[Path]:
    from compliance.inputs import ruleset_files

    out: list[Path] = []
    for p in paths or (rulesets_dir or DEFAULT_RULESETS,):
        out.extend(ruleset_files(p) if p.is_dir() else [p])
    return out


@rulesets.command("list")
@rulesets_dir_option
@handle_errors
def rulesets_list(rulesets_dir: Path | None) -> None:
    """List rulesets: id, title, jurisdiction, versions with dates, source confidence.

    Example: compliance rulesets list
    """
    from compliance.inputs import load_rulesets

    for rs in load_rulesets(rulesets_dir, drafts=True):
        click.echo(f"{rs.id}  [{rs.jurisdiction}]  source confidence: {rs.source_confidence}")
        click.echo(f"  {rs.title.en}")
        for v in sorted(rs.versions, key=lambda v: v.effective_from):
            until = f" to {v.effective_to}" if v.effective_to else ""
            draft = (
                f" ({v.status}, {v.source_confidence or rs.source_confidence})" if v.status == "draft" else ""
            )
            click.echo(f"  version {v.version}: from {v.effective_from}{until}{draft}")


@rulesets.command("show")
@click.argument("ruleset_id")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True)
@rulesets_dir_option
@handle_errors
def rulesets_show(ruleset_id: str, lang: str, rulesets_dir: Path | None) -> None:
    """Every requirement of a ruleset: severity, what satisfies it, citation.

    Example: compliance rulesets show vn-circular-12-2026 --lang vi
    """
    from compliance.inputs import load_rulesets

    rs = load_rulesets(rulesets_dir, [ruleset_id], drafts=True)[0]
    click.echo(f"{rs.id}: {rs.title.get(lang)}")
    click.echo(f"instrument: {rs.instrument}")
    click.echo(f"source confidence: {rs.source_confidence}")
    click.echo("sources:")
    for src in rs.sources:
        details = ", ".join(x for x in (src.issuer, src.date.isoformat() if src.date else None, src.url) if x)
        click.echo(f"  [{src.id}] {src.title} ({src.kind.replace('_', ' ')}; {details}; confidence {src.confidence})")
    for v in rs.versions:
        until = f" to {v.effective_to}" if v.effective_to else ""
        click.echo(f"\nversion {v.version} ({v.status}), from {v.effective_from}{until}")
        scope = v.scope.model_dump(mode="json", exclude_none=True)
        click.echo(f"  scope: {json.dumps(scope, ensure_ascii=False)}")
        for r in v.requirements:
            click.echo(f"  - {r.id} [{r.severity}] {r.title.get(lang)}")
            if r.documents:
                click.echo(f"      documents: {' or '.join(t.value for t in r.documents)}")
            for c in r.checks:
                click.echo(
                    f"      must: {json.dumps(c.model_dump(mode='json', exclude_none=True), ensure_ascii=False)}"
                )
            for c in r.review_when:
                click.echo(
                    f"      review when: {json.dumps(c.model_dump(mode='json', exclude_none=True), ensure_ascii=False)}"
                )
            for ic in r.item_checks:
                click.echo(f"      machine: {json.dumps(ic.model_dump(mode='json', exclude_none=True))}")
            click.echo(f"      action: {r.action.get(lang)}")
            click.echo(f"      citation: {rs.cite(r.citation)}")


@rulesets.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))
@handle_errors
def rulesets_lint(paths: tuple[Path, ...]) -> None:
    """Check ruleset files: schema, citations, Vietnamese text, vocabulary, version dates, conditions
    that can never hold, and requirements no test case exercises.

    Example: compliance rulesets lint rulesets/
    """
    from compliance.authoring import lint_file

    problems = [p for path in _ruleset_paths(paths, None) for p in lint_file(path)]
    for p in problems:
        click.echo(str(p), err=True)
    if problems:
        sys.exit(ExitCode.BAD_INPUT)
    click.echo("no problems")


@rulesets.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))
@click.option(
    "--require-coverage",
    is_flag=True,
    help="Fail when a requirement is not both satisfied and unmet by some case.",
)
@handle_errors
def rulesets_test(paths: tuple[Path, ...], require_coverage: bool) -> None:
    """Run each ruleset's cases (<id>.cases.yaml beside it) and report coverage.

    Example: compliance rulesets test --require-coverage
    """
    from compliance.authoring import cases_path, run_cases
    from compliance.inputs import load_ruleset

    failed = uncovered = 0
    for path in _ruleset_paths(paths, None):
        rs = load_ruleset(path)
        cases = cases_path(path)
        if not cases.exists():
            click.echo(f"{rs.id}: no cases file {cases.name}")
            uncovered += sum(len(v.requirements) for v in rs.versions)
            continue
        results, coverage = run_cases(rs, cases)
        ok = sum(1 for r in results if not r.failures)
        click.echo(f"{rs.id}: {ok}/{len(results)} cases pass")
        for r in results:
            for f in r.failures:
                click.echo(f"  FAIL {cases}:{r.line} '{r.name}': {f}")
        failed += len(results) - ok
        total = len(coverage.satisfied)
        gaps = coverage.uncovered()
        click.echo(
            f"  coverage: {total - len(gaps)}/{total} requirements both satisfied and unmet by some case"
        )
        for g in gaps:
            click.echo(f"  uncovered: {g}")
        uncovered += len(gaps)
    if failed or (require_coverage and uncovered):
        sys.exit(1)


@rulesets.command("diff")
@click.argument("a")
@click.argument("b", required=False)
@click.option(
    "--at",
    "dates",
    multiple=True,
    help="The day(s) picking the version: two days with one ruleset id or file.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--inventory",
    "inventory_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Also show the impact: which inventory rows change verdict.",
)
@click.option("--documents", "documents_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--destination", "destinations", multiple=True, help="Destinations for the impact (default: VN)."
)
@rulesets_dir_option
@drafts_option
@handle_errors
def rulesets_diff(
    a: str, b: str | None, dates: tuple[str, ...], fmt: str, inventory_file: Path | None,
    documents_file: Path | None, destinations: tuple[str, ...], rulesets_dir: Path | None, drafts: bool,
) -> None:  # fmt: skip
    """Compare two ruleset files version by version, or one ruleset (id or file) at two dates.

    Example: compliance rulesets diff vn-circular-12-2026 --at 2026-07-01 --at 2027-01-01
    """
    from compliance.diff import RulesetDiff, diff_rulesets, diff_versions, inventory_impact
    from compliance.inputs import load_ruleset, load_rulesets
    from compliance.models.ruleset import Ruleset, Version, without_drafts

    def get(ref: str) -> Ruleset:
        p = Path(ref)
        if p.is_file():
            rs = load_ruleset(p)
            return rs if drafts else without_drafts(rs)
        return load_rulesets(rulesets_dir, [ref], drafts=drafts)[0]

    def pick(rs: Ruleset, day: dt.date) -> Version:
        v = rs.version_on(day)
        if v is None:
            raise UsageError(f"{rs.id} has no version in force on {day}", field="--at")
        return v

    def latest(rs: Ruleset) -> Version:
        if not rs.versions:
            raise UsageError(f"{rs.id} has only draft versions (include them with --drafts)", field="--drafts")
        return max(rs.versions, key=lambda v: v.effective_from)

    days = [d for d in (parse_day(x, "--at") for x in dates) if d is not None]
    result: RulesetDiff | Any
    if b is None:
        if len(days) != 2:
            raise UsageError("give two rulesets, or one ruleset and two --at dates", field="--at")
        ra = rb = get(a)
        va, vb = pick(ra, days[0]), pick(rb, days[1])
        result = diff_versions(ra, va, rb, vb)
    elif days:
        ra, rb = get(a), get(b)
        va, vb = pick(ra, days[0]), pick(rb, days[-1])
        result = diff_versions(ra, va, rb, vb)
    else:
        ra, rb = get(a), get(b)
        va, vb = latest(ra), latest(rb)
        result = diff_rulesets(ra, rb)
    if inventory_file is not None:
        result.impact = inventory_impact(
            inventory_file, documents_file, list(destinations) or ["VN"], (ra, va), (rb, vb)
        )
    write_output(
        json.dumps(result.as_dict(), indent=2, ensure_ascii=False) + "\n" if fmt == "json" else result.text(),
        None,
    )


@cli.command()
@click.argument("manifest", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--item", "item_id", required=True, help="The item to explain.")
@ruleset_ids_option
@click.option("--as-of", "as_of", help="Judge as of this day (YYYY-MM-DD). Default: the arrival date.")
@registry_option
@rulesets_dir_option
@drafts_option
@handle_errors
def explain(
    manifest: Path, item_id: str, ruleset_ids: tuple[str, ...], as_of: str | None, registries: tuple[Path, ...],
    rulesets_dir: Path | None, drafts: bool,
) -> None:  # fmt: skip
    """Explain one item's verdict: facts, each condition with the values it saw, the verdict.

    Example: compliance explain shipments/vn-used-vmc-hold.yaml --item L1 --ruleset vn-circular-12-2026
    """
    from compliance.explain import explain as trace
    from compliance.inputs import check_dates, load_manifest, load_registry, load_rulesets

    loaded = load_manifest(manifest)
    if item_id not in {i.id for i in loaded.manifest.items}:
        raise UsageError(
            f"no item '{item_id}' in {manifest}; items: {', '.join(i.id for i in loaded.manifest.items)}",
            field="--item",
        )
    day = parse_day(as_of, "--as-of")
    check_dates(loaded, day or loaded.manifest.shipment.arrival_date)
    rs = load_rulesets(rulesets_dir, list(ruleset_ids), drafts=drafts)
    click.echo(trace(loaded.manifest, rs, load_registry(list(registries)), item_id, as_of=day), nl=False)
