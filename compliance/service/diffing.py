"""Ruleset diffs for the faces: two files, one ruleset at two days, or two rulesets each at a day.

Apart from the rest of the service layer because a diff reads inventories (for the impact): a `check`
does not pay for importing them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from compliance.authoring.diff import Diff, RulesetDiff, diff_rulesets, diff_versions
from compliance.models.errors import UsageError
from compliance.models.ruleset import Ruleset, Version, without_drafts
from compliance.reading.inputs import load_ruleset, load_rulesets


@dataclass(frozen=True)
class DiffResult:
    result: Diff | RulesetDiff
    #: The two (ruleset, version) sides, for an inventory impact.
    sides: tuple[tuple[Ruleset, Version], tuple[Ruleset, Version]]


def _ruleset(ref: str, *, drafts: bool, rulesets_dir: Path | None) -> Ruleset:
    path = Path(ref)
    if path.is_file():
        rs = load_ruleset(path)
        return rs if drafts else without_drafts(rs)
    return load_rulesets(rulesets_dir, [ref], drafts=drafts)[0]


def _in_force(rs: Ruleset, day: dt.date) -> Version:
    v = rs.version_on(day)
    if v is None:
        raise UsageError(f"{rs.id} has no version in force on {day}", field="--at")
    return v


def _latest(rs: Ruleset) -> Version:
    if not rs.versions:
        raise UsageError(f"{rs.id} has only draft versions (include them with --drafts)", field="--drafts")
    return max(rs.versions, key=lambda v: v.effective_from)


def ruleset_diff(
    a: str, b: str | None, days: list[dt.date], *, drafts: bool = False, rulesets_dir: Path | None = None
) -> DiffResult:
    """Two ruleset files version by version (paired by version id), or one ruleset (id or file) at two
    days, or two rulesets each at a day. Without ``drafts``, drafts do not exist."""
    ra = _ruleset(a, drafts=drafts, rulesets_dir=rulesets_dir)
    if b is None:
        if len(days) != 2:
            raise UsageError("give two rulesets, or one ruleset and two --at dates", field="--at")
        va, vb = _in_force(ra, days[0]), _in_force(ra, days[1])
        return DiffResult(diff_versions(ra, va, ra, vb), ((ra, va), (ra, vb)))
    rb = _ruleset(b, drafts=drafts, rulesets_dir=rulesets_dir)
    if days:
        va, vb = _in_force(ra, days[0]), _in_force(rb, days[-1])
        return DiffResult(diff_versions(ra, va, rb, vb), ((ra, va), (rb, vb)))
    return DiffResult(diff_rulesets(ra, rb), ((ra, _latest(ra)), (rb, _latest(rb))))
