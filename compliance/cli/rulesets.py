"""`compliance rulesets list|show|lint|test|diff` and `compliance explain`: for ruleset authors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

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
from compliance.language.i18n import N_
from compliance.models.errors import ExitCode, UsageError
from compliance.reading.resources import DEFAULT_RULESETS

#: The labels of `rulesets show`, in the language asked for.
L_INSTRUMENT = N_("instrument")
L_SOURCE_CONFIDENCE = N_("source confidence")
L_SOURCES = N_("sources")
L_SCOPE = N_("scope")
L_OR = N_("or")
L_DOCUMENTS = N_("documents")
L_MUST = N_("must")
L_REVIEW_WHEN = N_("review when")
L_MACHINE = N_("machine")
L_ACTION = N_("action")
L_CITATION = N_("citation")


@cli.group()
def rulesets() -> None:
    """Write, test, compare and read rulesets.

    Example: compliance rulesets lint && compliance rulesets test --require-coverage
    """


def _ruleset_paths(paths: tuple[Path, ...], rulesets_dir: Path | None) -> list[Path]:
    from compliance.reading.inputs import ruleset_files

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
    from compliance.reading.inputs import load_rulesets

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
@lang_option
@rulesets_dir_option
@handle_errors
def rulesets_show(ruleset_id: str, lang: str, rulesets_dir: Path | None) -> None:
    """Every requirement of a ruleset: severity, what satisfies it, citation.

    Example: compliance rulesets show vn-circular-12-2026 --lang vi
    """
    from compliance.judging.checks.base import flow
    from compliance.language.i18n import gettext
    from compliance.language.labels import label
    from compliance.reading.inputs import load_rulesets

    def _(words: str) -> str:
        return gettext(words, lang)

    rs = load_rulesets(rulesets_dir, [ruleset_id], drafts=True)[0]
    click.echo(f"{rs.id}: {rs.title.get(lang)}")
    click.echo(f"{_(L_INSTRUMENT)}: {rs.instrument}")
    click.echo(f"{_(L_SOURCE_CONFIDENCE)}: {label('source_confidence', rs.source_confidence, lang)}")
    click.echo(f"{_(L_SOURCES)}:")
    for src in rs.sources:
        details = ", ".join(x for x in (src.issuer, src.date.isoformat() if src.date else None, src.url) if x)
        confidence = label("source_confidence", src.confidence, lang)
        click.echo(f"  [{src.id}] {src.title} ({src.kind.replace('_', ' ')}; {details}; {confidence})")
    statuses = {"in_force": N_("in force"), "draft": N_("draft")}
    for v in rs.versions:
        until = _(N_(" to {day}")).format(day=v.effective_to) if v.effective_to else ""
        click.echo("\n" + _(N_("version {version} ({status}), from {day}{until}")).format(
            version=v.version, status=_(statuses[v.status]), day=v.effective_from, until=until))  # fmt: skip
        scope = v.scope.model_dump(mode="json", exclude_none=True)
        click.echo(f"  {_(L_SCOPE)}: {flow(scope)}")
        for r in v.requirements:
            click.echo(f"  - {r.id} [{label('severity', r.severity, lang)}] {r.title.get(lang)}")
            if r.documents:
                joined = f" {_(L_OR)} ".join(label("document_type", t.value, lang) for t in r.documents)
                click.echo(f"      {_(L_DOCUMENTS)}: {joined}")
            for c in r.checks:
                click.echo(f"      {_(L_MUST)}: {flow(c.model_dump(mode='json', exclude_none=True))}")
            for c in r.review_when:
                click.echo(f"      {_(L_REVIEW_WHEN)}: {flow(c.model_dump(mode='json', exclude_none=True))}")
            for ic in r.item_checks:
                click.echo(f"      {_(L_MACHINE)}: {flow(ic.model_dump(mode='json', exclude_none=True))}")
            click.echo(f"      {_(L_ACTION)}: {r.action.get(lang)}")
            click.echo(f"      {_(L_CITATION)}: {rs.cite(r.citation, lang)}")


@rulesets.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))
@handle_errors
def rulesets_lint(paths: tuple[Path, ...]) -> None:
    """Check ruleset files: schema, citations, Vietnamese text, vocabulary, version dates, conditions
    that can never hold, and requirements no test case exercises.

    Example: compliance rulesets lint rulesets/
    """
    from compliance.authoring.cases import lint_file

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
    from compliance.authoring.cases import cases_path, run_cases
    from compliance.reading.inputs import load_ruleset

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
    from compliance.authoring.diff import inventory_impact
    from compliance.service.diffing import ruleset_diff

    days = [d for d in (parse_day(x, "--at") for x in dates) if d is not None]
    diffed = ruleset_diff(a, b, days, drafts=drafts, rulesets_dir=rulesets_dir)
    result = diffed.result
    if inventory_file is not None:
        result.impact = inventory_impact(
            inventory_file, documents_file, list(destinations) or ["VN"], *diffed.sides
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
@decisions_options
@handle_errors
def explain(
    manifest: Path, item_id: str, ruleset_ids: tuple[str, ...], as_of: str | None, registries: tuple[Path, ...],
    rulesets_dir: Path | None, drafts: bool, decisions_file: Path | None, ignore_decisions: bool,
) -> None:  # fmt: skip
    """Explain one item's verdict: facts, each condition with the values it saw, the verdict.

    Example: compliance explain shipments/vn-used-vmc-hold.yaml --item L1 --ruleset vn-circular-12-2026
    """
    from compliance.authoring.explain import explain as trace
    from compliance.reading.inputs import (
        check_dates,
        load_decisions,
        load_manifest,
        load_registry,
        load_rulesets,
    )

    loaded = load_manifest(manifest)
    if item_id not in {i.id for i in loaded.manifest.items}:
        raise UsageError(
            f"no item '{item_id}' in {manifest}; items: {', '.join(i.id for i in loaded.manifest.items)}",
            field="--item",
        )
    day = parse_day(as_of, "--as-of")
    check_dates(loaded, day or loaded.manifest.shipment.arrival_date)
    rs = load_rulesets(rulesets_dir, list(ruleset_ids), drafts=drafts)
    decided = load_decisions(decisions_file, rs).decisions if decisions_file and not ignore_decisions else []
    out = trace(loaded.manifest, rs, load_registry(list(registries)), item_id, as_of=day, decisions=decided)
    click.echo(out, nl=False)
