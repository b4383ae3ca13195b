"""Ruleset authoring: lint, self-test cases with coverage (after OPA/Kyverno tests and OpenFisca's
YAML tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from compliance.api import check
from compliance.judging.ruleset_lint import static_problems
from compliance.models.common import Date, Model
from compliance.models.errors import ComplianceError, InputError
from compliance.models.manifest import Manifest
from compliance.models.report import RequirementResult, Status
from compliance.models.ruleset import Ruleset, without_drafts
from compliance.reading.inputs import load_registry
from compliance.reading.loading import Located, load_file
from compliance.reading.resources import SAMPLE_REGISTRY
from compliance.reading.validation import InputErrors, validate
from compliance.render.words import words

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
    line: int | str | None
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
    suffix = ruleset_path.suffix
    return ruleset_path.with_name(ruleset_path.name.removesuffix(suffix) + ".cases" + suffix)


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
                failures.append(
                    f"{item_id}: applies {rs.applies}, expected {exp.applies} ({words(rs.reason, 'en')})"
                )
            statuses = {r.id: r.status for r in rs.requirements}
            for req_id, status in exp.requirements.items():
                if statuses.get(req_id) != status:
                    failures.append(
                        f"{item_id}: {req_id} is {statuses.get(req_id, 'not evaluated')}, expected {status}"
                    )
        for it in report.items:
            judged = it.rulesets[0]
            asked = {r.id: r for v in in_use.versions if v.version == judged.version for r in v.requirements}
            for outcome in judged.requirements:
                key = f"{judged.version}/{outcome.id}"
                # A requirement whose rule leaves a point open for every machine is never satisfied:
                # documents that meet it leave it to a person (review), which counts as its met side.
                met = "review" if outcome.id in asked and asked[outcome.id].open_question else "satisfied"
                if outcome.status == met and (met == "satisfied" or _documents_meet(outcome)):
                    coverage.satisfied[key] = True
                else:
                    coverage.unmet[key] = True
        results.append(CaseResult(case.name, located.line_of(("cases", i)), failures))
    return results, coverage


def _documents_meet(outcome: RequirementResult) -> bool:
    return any(t.status == "satisfied" for t in outcome.trials)


# ---------------------------------------------------------------------------------------------
# Lint


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | str | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {self.where}: {self.message}"


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

    problems += [
        Problem(file, located.line_of(loc), where, message)
        for loc, where, message in static_problems(ruleset)
    ]
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
