"""Plain text for a terminal: the verdict first, then each item, what to do, and what is coming."""

from __future__ import annotations

from compliance.models.report import Report

MARK = {"clear": "CLEAR", "review": "REVIEW", "hold": "HOLD"}
STATUS = {
    "satisfied": "ok",
    "missing": "MISSING",
    "invalid": "INVALID",
    "failed": "FAILED",
    "review": "REVIEW",
}


def render_text(report: Report, lang: str = "en") -> str:
    lines: list[str] = []
    add = lines.append
    add(f"Shipment {report.shipment_id}: {MARK[report.verdict]}")
    route = f"{report.origin} -> {report.destination}" if report.origin else report.destination
    add(f"  route {route}, arrival {report.arrival_date}, judged as of {report.as_of}")
    if report.tender:
        crit = report.tender.get("carbon_criterion") or "not stated"
        add(
            f"  public tender {report.tender.get('country')} {report.tender.get('reference') or ''} (carbon criterion: {crit})"
        )
    for w in report.warnings:
        add(f"  ! {w}")
    if report.containers:
        add("")
        add("Containers:")
        for c in report.containers:
            add(f"  {c.container}: {MARK[c.verdict]} ({', '.join(c.items)})")
    for item in report.items:
        add("")
        desc = f" {item.description}" if item.description else ""
        add(
            f"Item {item.item_id}:{desc} [{item.machine_type}, {item.condition}, made {item.manufactured}] {MARK[item.verdict]}"
        )
        for f in item.findings:
            add(f"  [{STATUS[f.status]}] {f.id} ({f.severity}): {f.message}")
        for rs in item.rulesets:
            if not rs.applies:
                add(f"  - {rs.ruleset} v{rs.version}: does not apply: {rs.reason}")
                continue
            verdict = MARK[rs.verdict] if rs.verdict else ""
            add(f"  * {rs.ruleset} v{rs.version}: {verdict}")
            if rs.reason:
                add(f"      note: {rs.reason}")
            for req in rs.requirements:
                add(f"      [{STATUS[req.status]}] {req.id} ({req.severity}): {req.title}")
                if req.status != "satisfied":
                    add(f"          {req.message}")
                    add(f"          cite: {req.citation}")
                for w in req.warnings:
                    add(f"          warning: {w}")
    if report.missing_documents:
        add("")
        add("Documents to obtain or fix:")
        for m in report.missing_documents:
            types = " or ".join(m.document_types) if m.document_types else (m.document_type or "")
            add(f"  {m.item_id}: {types} for {m.ruleset}/{m.requirement} ({m.status}, {m.severity})")
    if report.upcoming:
        add("")
        add("Upcoming rules:")
        for u in report.upcoming:
            add(
                f"  from {u.effective_from}: {u.ruleset} v{u.version} on {u.item_id} would be {MARK[u.would_be]}"
            )
    return "\n".join(lines) + "\n"
