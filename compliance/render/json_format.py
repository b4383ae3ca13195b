"""The stable JSON result: every contract key, each sentence in the language asked for, and beside
each finding's sentence its code and parameters (``message_code``, ``message_params``)."""

from __future__ import annotations

import json
from typing import Any

from compliance.models.report import Report
from compliance.render.words import coded


def report_dict(report: Report, lang: str = "en") -> dict[str, Any]:
    data = coded(report, lang)
    data["lang"] = lang
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


def render_json(report: Report, lang: str = "en") -> str:
    return json.dumps(report_dict(report, lang), indent=2, ensure_ascii=False) + "\n"
