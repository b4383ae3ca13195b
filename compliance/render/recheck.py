"""`compliance recheck` written out: a plain table of the verdicts that change, or the JSON result."""

from __future__ import annotations

import json

from compliance.models.recheck import Recheck, Side


def _side(name: str, side: Side) -> str:
    rules = f"rulesets {side.rulesets_dir}" if side.rulesets_dir else "the shipped rulesets"
    day = f"as of {side.as_of}" if side.as_of else "as of each arrival date"
    return f"  {name}: {rules} (sha256 {side.rulesets_sha256[:12]}), {day}"


def recheck_text(result: Recheck) -> str:
    lines = [
        f"{result.manifests} manifests judged two ways; {result.changed_manifests} change verdict",
        _side("before", result.a),
        _side("after ", result.b),
    ]
    if result.changes:
        width = max(len(c.file) for c in result.changes)
        lines.append("")
        for c in result.changes:
            what = f"item {c.item_id}" if c.item_id else "shipment"
            lines.append(
                f"{c.file:<{width}}  {c.shipment_id}  {what}: {c.before.upper()} -> {c.after.upper()}"
            )
    return "\n".join(lines) + "\n"


def recheck_json(result: Recheck) -> str:
    return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
