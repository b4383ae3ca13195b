"""Reading the files users give: manifests, registries, rulesets (load -> models)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from compliance.judging.ruleset_lint import static_problems
from compliance.models.coverage import CoverageFile, Topic
from compliance.models.decisions import Decision, DecisionsFile
from compliance.models.errors import InputError, RulesetError, UsageError
from compliance.models.manifest import Manifest, manufactured_bounds
from compliance.models.registry import Accreditation, Registry, RegistryFile
from compliance.models.ruleset import Ruleset, without_drafts
from compliance.reading.loading import DEFAULT_MAX_BYTES, Located, load_file
from compliance.reading.pact import merge_footprint
from compliance.reading.resources import DEFAULT_RULESETS, NOT_JUDGED, SAMPLE_REGISTRY
from compliance.reading.validation import InputErrors, validate

__all__ = ["DEFAULT_RULESETS", "SAMPLE_REGISTRY"]


@dataclass(frozen=True)
class LoadedManifest:
    manifest: Manifest
    located: Located
    #: Every file the manifest's verdicts rest on (the manifest, its PACT files) with its SHA-256.
    inputs: tuple[tuple[Path, str], ...] = ()


def load_manifest(path: Path, *, max_bytes: int | None = DEFAULT_MAX_BYTES) -> LoadedManifest:
    """Read, validate and cross-check a manifest; PACT files it names are read too."""
    # A manifest may be piped in (`check /dev/stdin`): still read with the byte limit, and hashed.
    if path.suffix.lower() == ".xlsx":
        from compliance.reading.workbook import load_workbook_manifest

        located = load_workbook_manifest(path, max_bytes=max_bytes)
    elif path.suffix.lower() == ".csv":
        from compliance.reading.workbook import load_csv_manifest

        located = load_csv_manifest(path, max_bytes=max_bytes)
    else:
        located = load_file(
            path,
            max_bytes=max_bytes,
            limit_hint="raise it with --max-size if the file is genuine",
            streams=True,
        )
    assert located.sha256 is not None
    inputs: list[tuple[Path, str]] = [(path, located.sha256)]
    data = located.data
    if not isinstance(data, dict):
        raise InputError(
            f"expected a mapping with shipment, items and documents, found a {type(data).__name__}",
            file=path,
            line=1,
        )
    docs = data.get("documents")
    if isinstance(docs, list):
        merged = []
        for j, d in enumerate(docs):
            try:
                if isinstance(d, dict):
                    doc, source = merge_footprint(d, path.parent)
                    merged.append(doc)
                    inputs.extend([source] if source else [])
                else:
                    merged.append(d)
            except InputError as exc:
                if exc.file is not None:
                    raise
                raise InputError(
                    exc.message,
                    file=path,
                    line=located.line_of(("documents", j, "pact_file")),
                    field=f"documents[{j}].pact_file",
                ) from None
        data = {**data, "documents": merged}
        located = Located(data=data, path=located.path, lines=located.lines, sha256=located.sha256)
    manifest = validate(Manifest, located)
    cross_check(manifest, located)
    return LoadedManifest(manifest=manifest, located=located, inputs=tuple(inputs))


def cross_check(manifest: Manifest, located: Located) -> None:
    """Unique ids and references that point somewhere: each error placed at its line."""
    problems: list[InputError] = []

    def fail(loc: tuple[str | int, ...], field: str, message: str) -> None:
        problems.append(InputError(message, file=located.path, line=located.line_of(loc), field=field))

    items: dict[str, int] = {}
    for i, item in enumerate(manifest.items):
        if item.id in items:
            fail(
                ("items", i, "id"),
                f"items[{i}].id",
                f"duplicate item id '{item.id}' (first at items[{items[item.id]}])",
            )
        items.setdefault(item.id, i)
    docs: dict[str, int] = {}
    for j, doc in enumerate(manifest.documents):
        if doc.id in docs:
            fail(("documents", j, "id"), f"documents[{j}].id", f"duplicate document id '{doc.id}'")
        docs.setdefault(doc.id, j)
        for k, covered in enumerate(doc.covers or []):
            if covered not in items:
                fail(
                    ("documents", j, "covers", k),
                    f"documents[{j}].covers[{k}]",
                    f"document '{doc.id}' covers item '{covered}', which is not in the manifest "
                    f"(items: {', '.join(items)})",
                )
    if problems:
        raise InputErrors(list(problems))


def check_dates(loaded: LoadedManifest, as_of: dt.date) -> None:
    """A machine cannot be made after the day it is judged on."""
    problems: list[InputError] = []
    for i, item in enumerate(loaded.manifest.items):
        earliest, _ = manufactured_bounds(item.manufactured)
        if earliest > as_of:
            problems.append(
                InputError(
                    f"manufactured {item.manufactured} is after the as-of date {as_of.isoformat()}",
                    file=loaded.located.path,
                    line=loaded.located.line_of(("items", i, "manufactured")),
                    field=f"items[{i}].manufactured",
                )
            )
    if problems:
        raise InputErrors(list(problems))


def load_registry(paths: list[Path]) -> Registry:
    """Merge registry files in order; the same id in a later file wins, with a warning."""
    sample = not paths
    files = paths or [SAMPLE_REGISTRY]
    entries: dict[str, Accreditation] = {}
    origin: dict[str, str] = {}
    overridden: list[tuple[str, str, str]] = []
    is_sample = False
    published: list[dt.date | None] = []
    for path in files:
        reg = validate(RegistryFile, load_file(path))
        is_sample = is_sample or reg.sample or sample
        published.append(reg.published)
        for acc in reg.accreditations:
            if acc.id in entries:
                overridden.append((acc.id, origin[acc.id], str(path)))
            entries[acc.id] = acc
            origin[acc.id] = str(path)
    return Registry(
        entries=entries,
        sources=[str(p) for p in files],
        is_sample=is_sample,
        overridden=overridden,
        published=published,
    )


@functools.cache
def shipped_not_judged() -> tuple[Topic, ...]:
    """What no shipped ruleset judges (the product's own data, read once per process)."""
    return tuple(validate(CoverageFile, load_file(NOT_JUDGED)).not_judged)


def load_ruleset(path: Path) -> Ruleset:
    """One ruleset file; schema errors name the file, the line and the field. A ruleset that
    `rulesets lint` refuses (a condition that never holds, a citation a reader cannot follow, ...)
    does not load: it must never judge a shipment."""
    located = load_file(path, cached=True)
    ruleset = validate(Ruleset, located)
    problems = static_problems(ruleset)
    if problems:
        loc, where, message = problems[0]
        more = (
            f" (and {len(problems) - 1} more: run `compliance rulesets lint {path}`)"
            if len(problems) > 1
            else ""
        )
        raise RulesetError(f"{message}{more}", file=path, line=located.line_of(loc), field=where)
    return ruleset


RULESET_SUFFIXES = (".yaml", ".yml")


def is_cases_file(path: Path) -> bool:
    return path.name.endswith((".cases.yaml", ".cases.yml"))


def ruleset_files(directory: Path) -> list[Path]:
    """The ruleset files of a folder (*.yaml and *.yml, not test cases). None at all is bad input:
    checking against no rules would clear everything."""
    if not directory.is_dir():
        raise UsageError(f"rulesets folder {directory} does not exist", field="--rulesets")
    files = sorted(
        p for p in directory.iterdir()
        if p.suffix.lower() in RULESET_SUFFIXES and p.is_file() and not is_cases_file(p)
    )  # fmt: skip
    if not files:
        raise UsageError(
            f"no ruleset files (*.yaml, *.yml) in {directory}: checking against no rules would clear everything",
            field="--rulesets",
        )
    return files


def load_rulesets(
    directory: Path | None = None, ids: list[str] | None = None, *, drafts: bool = False
) -> list[Ruleset]:
    """Every ruleset in a folder, or only those named; an unknown id is an error naming the known ones.

    Draft versions (anticipated rules) are left out unless ``drafts`` is true: they show what may
    come, and must not change a verdict or the `upcoming` list unless an analyst asks for them.
    """
    folder = directory or DEFAULT_RULESETS
    loaded = [load_ruleset(p) for p in ruleset_files(folder)]
    known = {rs.id for rs in loaded}
    for rs in loaded:
        unknown = sorted({y for v in rs.versions for y in v.scope.yields_to} - known)
        if unknown:
            # A typo here would silently judge remanufactured goods as used: refuse the folder.
            raise RulesetError(
                f"ruleset '{rs.id}' yields to {', '.join(unknown)}, which no ruleset file in {folder} defines"
            )
    return select_rulesets(loaded, ids, drafts=drafts, folder=folder)


def select_rulesets(
    rulesets: list[Ruleset],
    ids: list[str] | None,
    *,
    drafts: bool,
    folder: Path | str = "the rulesets folder",
) -> list[Ruleset]:
    """The rulesets asked for (all when no ids), without drafts unless asked; an unknown id is an error."""
    if not drafts:
        rulesets = [without_drafts(rs) for rs in rulesets]
    by_id: dict[str, Ruleset] = {}
    for rs in rulesets:
        if rs.id in by_id:
            raise RulesetError(f"two ruleset files in {folder} have the id '{rs.id}'")
        by_id[rs.id] = rs
    if not ids:
        return rulesets
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise UsageError(
            f"unknown ruleset id '{unknown[0]}'; known: {', '.join(sorted(by_id))}", field="--ruleset"
        )
    return [by_id[i] for i in dict.fromkeys(ids)]


@dataclass(frozen=True)
class LoadedDecisions:
    decisions: list[Decision]
    located: Located


def load_decisions(path: Path, rulesets: list[Ruleset]) -> LoadedDecisions:
    """A decisions file, with every decision naming a ruleset and requirement that exist (a typo would
    otherwise leave a review open while the broker believes it settled)."""
    located = load_file(path)
    parsed = validate(DecisionsFile, located)
    known = {rs.id: {r.id for v in rs.versions for r in v.requirements} for rs in rulesets}
    problems: list[InputError] = []
    for i, d in enumerate(parsed.decisions):
        if d.ruleset not in known:
            problems.append(InputError(f"unknown ruleset id '{d.ruleset}'; known: {', '.join(sorted(known))}",
                                       file=path, line=located.line_of(("decisions", i, "ruleset")),
                                       field=f"decisions[{i}].ruleset"))  # fmt: skip
        elif d.requirement not in known[d.ruleset]:
            problems.append(InputError(
                f"ruleset '{d.ruleset}' has no requirement '{d.requirement}'; it has: "
                f"{', '.join(sorted(known[d.ruleset]))}",
                file=path, line=located.line_of(("decisions", i, "requirement")), field=f"decisions[{i}].requirement",
            ))  # fmt: skip
    if problems:
        raise InputErrors(list(problems))
    return LoadedDecisions(parsed.decisions, located)
