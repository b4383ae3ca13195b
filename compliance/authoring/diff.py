"""`compliance rulesets diff`: what changed between two ruleset versions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.inventory import Judge, load_documents, read_source
from compliance.judging.checks.base import flow
from compliance.models.ruleset import Requirement, Ruleset, Version
from compliance.reading.inputs import load_registry

REQUIREMENT_FIELDS = (
    "severity",
    "documents",
    "checks",
    "review_when",
    "item_checks",
    "citation",
    "title",
    "action",
    "review_if_item_lacks",
    "lead_time_weeks",
    "open_question",
    "needed_by",
)


@dataclass
class Diff:
    a: str
    b: str
    dates: dict[str, list[Any]] = field(default_factory=dict)
    scope: dict[str, list[Any]] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    impact: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "dates": self.dates, "scope": self.scope, "requirements_added": self.added,
                "requirements_removed": self.removed, "requirements_changed": self.changed, "impact": self.impact}  # fmt: skip

    def text(self) -> str:
        lines = [f"--- {self.a}", f"+++ {self.b}"]
        for k, (x, y) in self.dates.items():
            lines.append(f"date {k}: {flow(x)} -> {flow(y)}")
        for k, (x, y) in self.scope.items():
            lines.append(f"scope {k}: {flow(x)} -> {flow(y)}")
        lines += [f"+ requirement {r}" for r in self.added]
        lines += [f"- requirement {r}" for r in self.removed]
        for rid, fields in self.changed.items():
            for f, (x, y) in fields.items():
                lines.append(f"~ requirement {rid} {f}: {flow(x)} -> {flow(y)}")
        if len(lines) == 2:
            lines.append("no differences")
        if self.impact is not None:
            lines.append(
                f"impact: {self.impact['changed']} of {self.impact['rows']} inventory rows change verdict"
            )
            lines += [
                f"  {c['id']} {c['destination']}: {c['a']} -> {c['b']}"
                for c in self.impact["rows_changed"][:50]
            ]
        return "\n".join(lines) + "\n"


def _dump(value: Any) -> Any:
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    return value.value if hasattr(value, "value") else value


def diff_versions(ra: Ruleset, va: Version, rb: Ruleset, vb: Version) -> Diff:
    d = Diff(a=f"{ra.id} version {va.version}", b=f"{rb.id} version {vb.version}")
    for k in ("effective_from", "effective_to", "status", "source_confidence"):
        x, y = getattr(va, k), getattr(vb, k)
        if x != y:
            d.dates[k] = [str(x) if x is not None else None, str(y) if y is not None else None]
    sa, sb = va.scope.model_dump(mode="json"), vb.scope.model_dump(mode="json")
    for k in sa:
        if sa[k] != sb[k]:
            d.scope[k] = [sa[k], sb[k]]
    reqs_a: dict[str, Requirement] = {r.id: r for r in va.requirements}
    reqs_b: dict[str, Requirement] = {r.id: r for r in vb.requirements}
    d.added = [r for r in reqs_b if r not in reqs_a]
    d.removed = [r for r in reqs_a if r not in reqs_b]
    for rid in reqs_a.keys() & reqs_b.keys():
        fields = {}
        for f in REQUIREMENT_FIELDS:
            x, y = _dump(getattr(reqs_a[rid], f)), _dump(getattr(reqs_b[rid], f))
            if x != y:
                fields[f] = [x, y]
        if fields:
            d.changed[rid] = fields
    return d


@dataclass
class RulesetDiff:
    """Two ruleset files compared version by version, paired by version id."""

    a: str
    b: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    versions: list[Diff] = field(default_factory=list)
    impact: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "versions_added": self.added, "versions_removed": self.removed,
                "versions": [d.as_dict() for d in self.versions], "impact": self.impact}  # fmt: skip

    def text(self) -> str:
        lines = [f"--- {self.a}", f"+++ {self.b}"]
        lines += [f"+ version {v}" for v in self.added]
        lines += [f"- version {v}" for v in self.removed]
        for d in self.versions:
            body = d.text().splitlines()[2:]
            if body != ["no differences"]:
                lines += [f"version {d.a.rsplit(' ', 1)[-1]}:"] + [f"  {line}" for line in body]
        if len(lines) == 2:
            lines.append("no differences")
        if self.impact is not None:
            lines += Diff(a="", b="", impact=self.impact).text().splitlines()[3:]
        return "\n".join(lines) + "\n"


def diff_rulesets(ra: Ruleset, rb: Ruleset) -> RulesetDiff:
    """Every version of two rulesets, paired by version id; versions only on one side are listed."""
    va = {v.version: v for v in ra.versions}
    vb = {v.version: v for v in rb.versions}
    out = RulesetDiff(a=ra.id, b=rb.id)
    out.added = [v for v in vb if v not in va]
    out.removed = [v for v in va if v not in vb]
    out.versions = [diff_versions(ra, va[v], rb, vb[v]) for v in va if v in vb]
    return out


def inventory_impact(
    inventory_file: Path,
    documents_file: Path | None,
    destinations: list[str],
    *sides: tuple[Ruleset, Version],
) -> dict[str, Any]:
    """Judge an inventory under each side's version (made timeless, judged today) and compare."""
    registry = load_registry([])
    documents = load_documents(documents_file)
    today = dt.date.today()
    judges = []
    for rs, v in sides:
        timeless = v.model_copy(
            update={"effective_from": dt.date(1900, 1, 1), "effective_to": None, "status": "in_force"}
        )
        judges.append(
            Judge(
                [rs.model_copy(update={"versions": [timeless]})], registry, documents, destinations, [today]
            )
        )
    rows = read_source(inventory_file).rows
    changed: list[dict[str, str]] = []
    count = 0
    for row in rows:
        for x, y in zip(judges[0].judge_row(row), judges[1].judge_row(row), strict=True):
            count += 1
            if x["verdict"] != y["verdict"]:
                changed.append(
                    {"id": x["id"], "destination": x["destination"], "a": x["verdict"], "b": y["verdict"]}
                )
    return {"rows": count, "changed": len(changed), "as_of": today.isoformat(), "rows_changed": changed}
