"""The stable JSON result: every contract key, each sentence in the language asked for, and beside
each finding's sentence its code and parameters (``message_code``, ``message_params``)."""

from __future__ import annotations

import json
from typing import Any

from compliance.models.report import FINDING_FIELDS, Report
from compliance.render.words import coded


def report_dict(report: Report, lang: str = "en", dumped: dict[str, Any] | None = None) -> dict[str, Any]:
    """``dumped``: the report's ``model_dump(mode="json")``, when several languages are made of one
    report (each language's data is new; what no language changes is shared, never modified)."""
    data = coded(report, lang, dumped)
    data["lang"] = lang
    if data.get("containers") is None:
        # The contract's JSON result: `containers` appears only when items name containers.
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


def report_from_json(data: dict[str, Any]) -> Report:
    """A report read back from its JSON result (as the server stores it), to render it again: the
    sentences are words already, in the JSON's language; the codes beside them are left out."""
    suffixes = [f"{f}{s}" for f in FINDING_FIELDS for s in ("_code", "_params", "_codes")]

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in suffixes}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return Report.model_validate(strip(data))
