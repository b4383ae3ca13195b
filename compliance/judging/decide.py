"""Decisions applied to requirements left to review, the same way in `check`, `inventory` and the API.

A decision settles a requirement whose status is `review` (never a missing or invalid document):
`accept` makes it satisfied, `reject` failed. It applies through its expiry day, inclusive, judged on
the check's as-of day (a day in the destination's calendar). An expired decision leaves the review
open with a note; one expiring within 30 days is a warning; one that matches nothing in a run is
listed as unused. Every finding has a fingerprint that survives re-runs (ruleset, requirement, the
machine's serial number or shipment line, destination: never a line number)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from compliance.language.i18n import N_
from compliance.language.phrases import Phrase, Template, word
from compliance.models.decisions import Decision
from compliance.models.manifest import Item, Shipment
from compliance.models.report import AppliedDecision, Status

SOON = dt.timedelta(days=30)

DECIDED = Template(
    "decision-applied",
    N_(
        "{message} Decided: {outcome} under decision {id} by {decided_by}, approved by {approved_by}: "
        "{reason} (reference {reference}; applies until {expires})."
    ),
)
EXPIRED = Template(
    "decision-expired",
    N_("decision {id} expired on {expires}: the review is open again; a person must decide"),
)
EXPIRING = Template("decision-expiring", N_("decision {id} expires on {expires}, in {days} days"))
NOT_REVIEW = Template(
    "decision-not-applicable",
    N_("decision {id} was not applied: a decision settles only a review, and this is {status}"),
)
OUTCOMES = {
    "accept": Template("decision-outcome-accept", N_("accepted")),
    "reject": Template("decision-outcome-reject", N_("rejected")),
}
CONFLICT = Template("decision-conflict", N_("decisions {ids} disagree: a person must decide"))
UNUSED = Template("decision-unused", N_("decision {id} matched nothing in this run"))


def item_key(shipment: Shipment, item: Item) -> str:
    """The machine as a decision and a fingerprint name it: its serial number, else its shipment line."""
    return f"serial:{item.serial_number}" if item.serial_number else f"item:{shipment.id}/{item.id}"


def fingerprint(ruleset: str, requirement: str, shipment: Shipment, item: Item) -> str:
    raw = "|".join((ruleset, requirement, item_key(shipment, item), shipment.destination))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _matches(d: Decision, ruleset: str, requirement: str, shipment: Shipment, item: Item) -> bool:
    if d.ruleset != ruleset or d.requirement != requirement:
        return False
    if d.destination is not None and d.destination != shipment.destination:
        return False
    who = d.item
    if who.serial_number is not None:
        return bool(item.serial_number) and who.serial_number.strip() == (item.serial_number or "").strip()
    if who.shipment_item is not None:
        return who.shipment_item == f"{shipment.id}/{item.id}"
    return _same(who.manufacturer, item.manufacturer) and _same(who.model, item.model)


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold()


@dataclass(frozen=True)
class Settled:
    status: Status
    message: Phrase
    decision: AppliedDecision | None = None
    notes: tuple[Phrase, ...] = ()


@dataclass
class Ledger:
    """The decisions of one run, and which of them matched or applied."""

    decisions: tuple[Decision, ...] = ()
    matched: set[str] = field(default_factory=set)
    applied: set[str] = field(default_factory=set)

    def settle(self, ruleset: str, requirement: str, shipment: Shipment, item: Item, day: dt.date,
               status: Status, message: Phrase) -> Settled:  # fmt: skip
        found = [d for d in self.decisions if _matches(d, ruleset, requirement, shipment, item)]
        if not found:
            return Settled(status, message)
        self.matched.update(d.id for d in found)
        if status != "review":
            unmet = tuple(
                NOT_REVIEW(id=d.id, status=word("status", status)) for d in found if status != "satisfied"
            )
            return Settled(status, message, notes=unmet)
        live = [d for d in found if day <= d.expires]
        notes = [EXPIRED(id=d.id, expires=d.expires.isoformat()) for d in found if day > d.expires]
        if len({d.outcome for d in live}) > 1:
            return Settled(status, message, notes=(*notes, CONFLICT(ids=", ".join(d.id for d in live))))
        if not live:
            return Settled(status, message, notes=tuple(notes))
        d = max(live, key=lambda x: (x.decided_on, x.id))
        self.applied.add(d.id)
        left = (d.expires - day).days
        if left <= SOON.days:
            notes.append(EXPIRING(id=d.id, expires=d.expires.isoformat(), days=left))
        settled: Status = "satisfied" if d.outcome == "accept" else "failed"
        applied = AppliedDecision(
            id=d.id, outcome=d.outcome, decided_by=d.decided_by, approved_by=d.approved_by, reason=d.reason,
            reference=d.reference, decided_on=d.decided_on.isoformat(), expires=d.expires.isoformat(),
        )  # fmt: skip
        phrase = DECIDED(
            message=message, outcome=OUTCOMES[d.outcome](), id=d.id, decided_by=d.decided_by,
            approved_by=d.approved_by, reason=d.reason, reference=d.reference, expires=d.expires.isoformat(),
        )  # fmt: skip
        return Settled(settled, phrase, applied, tuple(notes))

    def unused(self) -> list[str]:
        return [d.id for d in self.decisions if d.id not in self.matched]

    def unused_warnings(self) -> list[Phrase]:
        return [UNUSED(id=i) for i in self.unused()]
