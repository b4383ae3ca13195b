"""The stable JSON result."""

from __future__ import annotations

import json
from typing import Any

from compliance.models.report import Report


def report_dict(report: Report) -> dict[str, Any]:
    data = report.model_dump(mode="json")
    if data.get("containers") is None:
        # Spec §4.2: `containers` appears only when items name containers.
        data.pop("containers", None)
    for item in data["items"]:
        for rs in item["rulesets"]:
            if not rs["applies"]:
                # A ruleset that does not apply gives no verdict, only the reason.
                rs.pop("verdict", None)
                rs.pop("requirements", None)
    return data


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
