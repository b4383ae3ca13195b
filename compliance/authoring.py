"""Ruleset authoring: lint, self-test cases with coverage (after OPA/Kyverno tests and OpenFisca's
YAML tests)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field

from compliance.api import check
from compliance.errors import ComplianceError, InputError
from compliance.inputs import SAMPLE_REGISTRY, load_registry
from compliance.loading import Located, load_file
from compliance.models.common import Date, Model, _country
from compliance.models.manifest import Document, Manifest
from compliance.models.report import Status
from compliance.models.ruleset import (
    DOCUMENT_FIELDS,
    ITEM_FIELDS,
    Check,
    Citation,
    Ruleset,
    without_drafts,
)
from compliance.validation import InputErrors, validate

# ---------------------------------------------------------------------------------------------
# Test cases


class ExpectedItem(Model):
    verdict: Literal["clear", "review", "hold"] | None = None
    applies: bool | None = None
    requirements: dict[str, Status] = Field(default_factory=dict)


class Case(Model):
    name: str
    as_of: Date | None = None
    #: Judge with draft versions (as --drafts does). By default a case is judged as a user is: without.
    drafts: bool = False
    manifest: dict[str, Any]
    expect: dict[str, ExpectedItem]


class CasesFile(Model):
    ruleset: str
    registry: str | None = None
    cases: list[Case] = Field(min_length=1)


@dataclass
class CaseResult:
    name: str
    line: int | None
    failures: list[str]


@dataclass
class Coverage:
    """Per requirement (version/id): whether some case satisfied it and some case did not."""

    satisfied: dict[str, bool] = field(default_factory=dict)
    unmet: dict[str, bool] = field(default_factory=dict)

    def uncovered(self) -> list[str]:
        out = []
        for key in self.satisfied:
            lacking = [
                w
                for w, seen in (("satisfied", self.satisfied[key]), ("not satisfied", self.unmet[key]))
                if not seen
            ]
            if lacking:
                out.append(f"{key}: no case where it is {' or '.join(lacking)}")
        return out


def cases_path(ruleset_path: Path) -> Path:
    return ruleset_path.with_name(ruleset_path.name.removesuffix(".yaml") + ".cases.yaml")


def run_cases(ruleset: Ruleset, path: Path) -> tuple[list[CaseResult], Coverage]:
    """Run a ruleset's cases and measure coverage over every version, drafts included.

    Each case is judged as a user would be: without drafts, unless the case says ``drafts: true``."""
    located = load_file(path)
    spec = validate(CasesFile, located)
    if spec.ruleset != ruleset.id:
        raise InputError(
            f"cases are for '{spec.ruleset}', not '{ruleset.id}'",
            file=path,
            line=located.line_of(("ruleset",)),
        )
    registry = load_registry([(path.parent / spec.registry) if spec.registry else SAMPLE_REGISTRY])
    coverage = Coverage()
    for v in ruleset.versions:
        for r in v.requirements:
            coverage.satisfied[f"{v.version}/{r.id}"] = False
            coverage.unmet[f"{v.version}/{r.id}"] = False
    results: list[CaseResult] = []
    for i, case in enumerate(spec.cases):
        sub = Located(data=case.manifest, path=path, lines=located.lines)
        manifest = validate(Manifest, sub, base=("cases", i, "manifest"))
        in_use = ruleset if case.drafts else without_drafts(ruleset)
        report = check(manifest, [in_use], registry, as_of=case.as_of, with_upcoming=False)
        failures: list[str] = []
        by_item = {it.item_id: it for it in report.items}
        for item_id, exp in case.expect.items():
            got = by_item.get(item_id)
            if got is None:
                failures.append(f"item {item_id} is not in the manifest")
                continue
            rs = got.rulesets[0]
            if exp.verdict is not None and got.verdict != exp.verdict:
                failures.append(f"{item_id}: verdict {got.verdict}, expected {exp.verdict}")
            if exp.applies is not None and rs.applies != exp.applies:
                failures.append(f"{item_id}: applies {rs.applies}, expected {exp.applies} ({rs.reason})")
            statuses = {r.id: r.status for r in rs.requirements}
            for req_id, status in exp.requirements.items():
                if statuses.get(req_id) != status:
                    failures.append(
                        f"{item_id}: {req_id} is {statuses.get(req_id, 'not evaluated')}, expected {status}"
                    )
        for it in report.items:
            judged = it.rulesets[0]
            for outcome in judged.requirements:
                key = f"{judged.version}/{outcome.id}"
                if outcome.status == "satisfied":
                    coverage.satisfied[key] = True
                else:
                    coverage.unmet[key] = True
        results.append(CaseResult(case.name, located.line_of(("cases", i)), failures))
    return results, coverage


# ---------------------------------------------------------------------------------------------
# Lint


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {self.where}: {self.message}"


_VOCAB: dict[str, tuple[str, ...]] = {
    "issuer_role": get_args(Document.model_fields["issuer_role"].annotation.__args__[0]),  # type: ignore[union-attr]
    "delivery": get_args(Document.model_fields["delivery"].annotation.__args__[0]),  # type: ignore[union-attr]
}


def _check_problems(check: Check, documents: list[str], where: str) -> list[str]:
    out: list[str] = []
    if check.for_types is not None:
        stray = [t.value for t in check.for_types if t.value not in documents]
        if stray:
            out.append(
                f"{where}: for_types {stray} names document types the requirement never accepts, so it never applies"
            )
    for kind in ("equals", "one_of", "greater_than"):
        for f, value in (getattr(check, kind) or {}).items():
            if f not in DOCUMENT_FIELDS:
                out.append(
                    f"{where}: unknown document field '{f}' in {kind} (known: {', '.join(sorted(DOCUMENT_FIELDS))})"
                )
                continue
            values = value if isinstance(value, list) else [value]
            allowed = _VOCAB.get(f)
            bad = [v for v in values if allowed and v not in allowed]
            if bad:
                out.append(
                    f"{where}: {f} can never be {bad} (it is one of {', '.join(allowed or ())}), so the check never holds"
                )
            if f == "transport_destination":
                for v in values:
                    try:
                        _country(v)
                    except ValueError as exc:
                        out.append(f"{where}: {exc}")
    for f in check.present or []:
        if f not in DOCUMENT_FIELDS:
            out.append(f"{where}: unknown document field '{f}' in present")
    for f in check.item_one_of or {}:
        if f not in ITEM_FIELDS:
            out.append(
                f"{where}: unknown item field '{f}' in item_one_of (known: {', '.join(sorted(ITEM_FIELDS))})"
            )
    if check.accreditation is not None and check.accreditation.bodies == []:
        out.append(f"{where}: accreditation bodies is empty, so no accreditation can ever support a document")
    if check.one_of is not None and any(not vs for vs in check.one_of.values()):
        out.append(f"{where}: one_of with no values never holds")
    return out


#: A quotation is a passage a reader can find, not the whole text: "at most about 25 words".
MAX_QUOTE_WORDS = 30


def citation_problems(citation: Citation) -> list[str]:
    """What makes a citation unusable for a reader outside this repository."""
    out: list[str] = []
    words = citation.quote.split()
    if not words:
        out.append("the citation quotes nothing")
    elif len(words) > MAX_QUOTE_WORDS:
        out.append(f"the quotation is {len(words)} words; quote at most {MAX_QUOTE_WORDS} words a reader can find")
    text = f"{citation.locator or ''} {citation.quote}"
    if re.search(r"\.(txt|ya?ml|json|md)\b|shared/|seeds?\b|para\.", text, re.IGNORECASE):
        out.append("the citation names a file or a paragraph number a reader cannot count")
    return out


def lint_file(path: Path, *, require_cases: bool = True) -> list[Problem]:
    """Every problem found in one ruleset file (and its cases file)."""
    file = str(path)
    try:
        located = load_file(path)
        ruleset = validate(Ruleset, located)
    except InputErrors as exc:
        return [Problem(p.file or file, p.line, p.field or "ruleset", p.message) for p in exc.problems]
    except ComplianceError as exc:
        return [Problem(exc.file or file, exc.line, exc.field or "ruleset", exc.message)]
    problems: list[Problem] = []

    def add(loc: tuple[str | int, ...], where: str, message: str) -> None:
        problems.append(Problem(file, located.line_of(loc), where, message))

    if not ruleset.title.vi:
        add(("title",), "title", "no Vietnamese text (vi)")
    # Gaps and overlaps in the chain of versions that are law are refused by the model itself, so that a
    # ruleset lint refuses never loads for check or inventory either.
    for si, src in enumerate(ruleset.sources):
        if src.kind != "trade_news_report" and not src.url:
            add(("sources", si), f"source {src.id}", "no public URL: give one where the source is public")
    for vi, version in enumerate(ruleset.versions):
        scope = version.scope
        for name in ("destinations", "machine_types", "conditions"):
            if getattr(scope, name) == []:
                add(
                    ("versions", vi, "scope", name),
                    f"version {version.version} scope",
                    f"{name} is empty: the ruleset can never apply",
                )
        if scope.citation is not None:
            for message in citation_problems(scope.citation):
                add(("versions", vi, "scope", "citation"), f"version {version.version} scope", message)
        if not scope.procedures:
            add(
                ("versions", vi, "scope"),
                f"version {version.version} scope",
                "no customs procedure: the ruleset can never apply",
            )
        for ri, req in enumerate(version.requirements):
            where = f"version {version.version} requirement {req.id}"
            loc = ("versions", vi, "requirements", ri)
            for message in citation_problems(req.citation):
                add((*loc, "citation"), where, message)
            for name in ("title", "action", "issuer"):
                text = getattr(req, name)
                if text is not None and not text.vi:
                    add((*loc, name), where, f"{name} has no Vietnamese text (vi)")
            for kind, checks in (("checks", req.checks), ("review_when", req.review_when)):
                for ci, c in enumerate(checks):
                    for message in _check_problems(c, [d.value for d in req.documents], f"{kind}[{ci}]"):
                        add((*loc, kind, ci), where, message)
            for f in req.review_if_item_lacks:
                if f not in ITEM_FIELDS:
                    add((*loc, "review_if_item_lacks"), where, f"unknown item field '{f}'")
    cases = cases_path(path)
    if not cases.exists():
        if require_cases:
            add((), "ruleset", f"no test cases ({cases.name}): no requirement is exercised")
        return problems
    try:
        results, coverage = run_cases(ruleset, cases)
    except ComplianceError as exc:
        problems.append(Problem(exc.file or str(cases), exc.line, "cases", str(exc)))
        return problems
    for r in results:
        for f in r.failures:
            problems.append(Problem(str(cases), r.line, f"case '{r.name}'", f))
    for gap in coverage.uncovered():
        add((), "coverage", f"requirement {gap}")
    return problems
