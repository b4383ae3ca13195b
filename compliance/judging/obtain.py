"""The broker's "documents to obtain" list: every unmet document requirement, grouped, with the
items it must cover and the day to order it by (issue #3)."""

from __future__ import annotations

import datetime as dt

from compliance.models.report import (
    DocumentToObtain,
    ItemResult,
    MissingDocument,
    ObtainFor,
    RequirementResult,
    Severity,
)

_SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "blocking": 2}
_NEEDS_DOCUMENT = ("missing", "invalid", "review")


def needs_document(req: RequirementResult) -> bool:
    """The requirement asks for a document that no document satisfies."""
    return bool(req.document_types) and req.status in _NEEDS_DOCUMENT


def missing_document(item_id: str, ruleset: str, req: RequirementResult) -> MissingDocument:
    """The report's line for a requirement that needs a document (`needs_document`)."""
    return MissingDocument(
        item_id=item_id, ruleset=ruleset, requirement=req.id, document_type=req.document_type,
        status=req.status, severity=req.severity, document_types=req.document_types,
    )  # fmt: skip


def order_by(needed: dt.date, lead_time_weeks: int | None) -> dt.date | None:
    """The last day to order a document so it is in hand when needed: that day less its lead time
    (None when the ruleset states no lead time, or the day would fall before the calendar begins)."""
    if lead_time_weeks is None:
        return None
    try:
        return needed - dt.timedelta(weeks=lead_time_weeks)
    except OverflowError:
        return None


def needed_on(req: RequirementResult, arrival: dt.date, departure: dt.date | None) -> dt.date:
    """The day a document must be in hand: departure for documents needed before loading (where the
    shipment gives one), otherwise arrival."""
    return departure if (req.needed_by == "departure" and departure is not None) else arrival


def documents_to_obtain(
    items: list[ItemResult], arrival: dt.date, produced_on: dt.date | None, departure: dt.date | None = None
) -> list[DocumentToObtain]:
    """One entry per (ruleset, requirement) that some item lacks a satisfying document for, in the
    order a broker acts on them: earliest order-by date first, blocking before the rest.

    Once the arrival date has passed, nothing is called late: the report says the arrival has passed."""
    arrived = produced_on is not None and arrival < produced_on
    groups: dict[tuple[str, str], list[tuple[ItemResult, int, int]]] = {}
    for item in items:
        for ri, rs in enumerate(item.rulesets):
            for qi, req in enumerate(rs.requirements):
                if needs_document(req):
                    groups.setdefault((rs.ruleset, req.id), []).append((item, ri, qi))
    out: list[DocumentToObtain] = []
    for (ruleset, requirement), members in groups.items():
        first_item, ri, qi = members[0]
        req = first_item.rulesets[ri].requirements[qi]
        reqs = [item.rulesets[r].requirements[q] for item, r, q in members]
        severity: Severity = max((r.severity for r in reqs), key=lambda s: _SEVERITY_RANK[s])
        needed = needed_on(req, arrival, departure)
        day = order_by(needed, req.lead_time_weeks)
        out.append(
            DocumentToObtain(
                ruleset=ruleset, requirement=requirement, document_type=req.document_type,
                document_types=req.document_types, title=req.title, action=req.action, citation=req.citation,
                severity=severity, issuer=req.issuer, lead_time_weeks=req.lead_time_weeks,
                order_by=day.isoformat() if day else None, needed_by=needed.isoformat(),
                late=(day < produced_on) if (day is not None and produced_on is not None and not arrived) else None,
                items=[
                    ObtainFor(item_id=item.item_id, status=r.status, severity=r.severity)
                    for (item, _, _), r in zip(members, reqs, strict=True)
                ],
            )
        )  # fmt: skip
    out.sort(
        key=lambda d: (d.order_by or "9999-99-99", -_SEVERITY_RANK[d.severity], d.ruleset, d.requirement)
    )
    return _grouped(out)


def _grouped(lines: list[DocumentToObtain]) -> list[DocumentToObtain]:
    """Lines asking for the same document type for the same items stand together (in the order of the
    first of them), each naming the others: one document can satisfy them all when it meets every
    rule's conditions, and a broker orders it once."""
    order: dict[str, int] = {}
    for d in lines:
        order.setdefault(d.document_type or "", len(order))
    grouped = sorted(
        lines, key=lambda d: order[d.document_type or ""]
    )  # stable: keeps the order within a type
    out: list[DocumentToObtain] = []
    for d in grouped:
        items = {i.item_id for i in d.items}
        others = [
            f"{o.ruleset}/{o.requirement}"
            for o in grouped
            if o is not d and o.document_types == d.document_types and items & {i.item_id for i in o.items}
        ]
        out.append(d.model_copy(update={"same_document_as": others}) if others else d)
    return out
