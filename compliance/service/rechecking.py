"""`compliance recheck DIR`: the manifests of a folder judged twice (two ruleset bundles, or two days,
or both) and the verdicts that change between the two, item by item.

A forwarder keeps last week's manifests in a folder; when a new ruleset version is published (a
draft turned law, a new bundle), or to see what a later day changes, this says which shipments and
items change verdict, before anyone re-files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from compliance.models.errors import ComplianceError, UsageError
from compliance.models.recheck import Change, Recheck, Side
from compliance.models.report import Report
from compliance.reading.loading import load_file
from compliance.service import CheckRequest, CheckRun, check_files

#: The files of a folder that are manifests (the folder itself, not its subfolders).
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")


@dataclass(frozen=True)
class Way:
    """One way of judging: a rulesets folder (None: the shipped ones) and a day (None: each manifest's
    arrival date)."""

    rulesets_dir: Path | None
    as_of: dt.date | None


def manifests_in(folder: Path) -> list[Path]:
    """The manifests of a folder, by name; none is bad input (nothing to recheck would say nothing changes)."""
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder of manifests", field="DIR")
    found = sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in MANIFEST_SUFFIXES and not p.name.endswith((".cases.yaml", ".cases.yml"))
    )  # fmt: skip
    # A manifest's PACT file (JSON) sits beside it: it is the manifest's input, not a manifest.
    # Only a folder that holds JSON files reads its manifests for the PACT files they name.
    readers = (
        [p for p in found if p.suffix.lower() != ".xlsx"]
        if any(p.suffix.lower() == ".json" for p in found)
        else []
    )
    named = {(p.parent / ref).resolve() for p in readers for ref in _pact_files(p)}
    found = [p for p in found if p.resolve() not in named]
    if not found:
        raise UsageError(f"no manifests (*.yaml, *.yml, *.json, *.xlsx) in {folder}", field="DIR")
    return found


def _pact_files(path: Path) -> list[str]:
    """The PACT files a manifest names (none when it cannot be read: its check then says why)."""
    try:
        data = load_file(path).data
    except ComplianceError:
        return []
    if not isinstance(data, dict):
        return []
    refs = [data.get("pact_file")]
    for doc in data.get("documents") or []:
        if isinstance(doc, dict):
            refs.append(doc.get("pact_file"))
    return [r for r in refs if isinstance(r, str)]


def recheck(folder: Path, a: Way, b: Way, *, base: CheckRequest) -> Recheck:
    """Judge every manifest of ``folder`` as ``a`` and as ``b`` (``base`` gives the rest: registry,
    decisions, drafts, ids) and list each verdict that differs. A bad manifest stops the run (exit 2):
    a recheck that skipped one would say it does not change."""
    if a == b:
        raise UsageError(
            "both sides are the same: give --against RULESETS_DIR or two --at days", field="--at"
        )
    files = manifests_in(folder)
    runs = [_judge(files, way, base) for way in (a, b)]
    changes: list[Change] = []
    for path, before, after in zip(files, runs[0].reports, runs[1].reports, strict=True):
        changes.extend(_changes(path.name, before, after))
    sides = [
        Side(rulesets_dir=str(w.rulesets_dir) if w.rulesets_dir else None,
             as_of=w.as_of.isoformat() if w.as_of else None, rulesets_sha256=r.reports[0].rulesets_sha256)
        for w, r in zip((a, b), runs, strict=True)
    ]  # fmt: skip
    return Recheck(a=sides[0], b=sides[1], manifests=len(files), changed_manifests=len({c.file for c in changes}),
                   changes=changes)  # fmt: skip


def _judge(files: list[Path], side: Way, base: CheckRequest) -> CheckRun:
    request = CheckRequest(
        manifests=files, registries=base.registries, rulesets_dir=side.rulesets_dir, ruleset_ids=base.ruleset_ids,
        as_of=side.as_of, drafts=base.drafts, max_size=base.max_size, produced_at=base.produced_at,
        decisions=base.decisions, ignore_decisions=base.ignore_decisions,
    )  # fmt: skip
    run = check_files(CheckRun(request))
    if len(run.reports) != len(files):  # every manifest gets its verdict on both sides
        raise AssertionError(f"{len(files)} manifests gave {len(run.reports)} reports")
    return run


def _changes(name: str, before: Report, after: Report) -> list[Change]:
    out: list[Change] = []
    if before.verdict != after.verdict:
        out.append(
            Change(
                file=name,
                shipment_id=before.shipment_id,
                item_id=None,
                before=before.verdict,
                after=after.verdict,
            )
        )
    later = {i.item_id: i.verdict for i in after.items}
    for item in before.items:
        if later.get(item.item_id) != item.verdict:
            out.append(
                Change(
                    file=name,
                    shipment_id=before.shipment_id,
                    item_id=item.item_id,
                    before=item.verdict,
                    after=later[item.item_id],
                )
            )
    return out
