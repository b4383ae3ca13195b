"""Derived values the rules are judged on: ages on the as-of date, the documents covering each item,
and each accreditation looked up on its document's issue date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from compliance.language.i18n import N_
from compliance.language.phrases import Phrase, Template
from compliance.models.manifest import Document, Item, Manifest, Shipment, manufactured_bounds
from compliance.models.registry import Registry
from compliance.models.vocab import hs_fits

ENDS_BEFORE_ISSUE = Template(
    "document-ends-before-issue", N_("valid until {end}, before its own issue date {issued}")
)
NOT_YET_VALID = Template("document-not-yet-valid", N_("not valid before {start} (judged on {day})"))
DEPRECATED = Template(
    "document-deprecated", N_("marked deprecated by its issuer (superseded by a newer version)")
)
NOT_IN_REGISTRY = Template("accreditation-not-in-registry", N_("accreditation {id} is not in the registry"))
NO_ISSUE_DATE = Template(
    "accreditation-unchecked-no-issue-date",
    N_("the document gives no issue date, so accreditation {id} cannot be checked"),
)
NOT_VALID_ON_ISSUE = Template(
    "accreditation-not-valid-on-issue",
    N_("accreditation {id} was valid {start}..{end}, not on the issue date {issued}"),
)
UNKNOWN_DATE = Template("date-unknown", N_("an unknown date"))
NOT_ACTIVE_ON_ISSUE = Template(
    "accreditation-not-active-on-issue",
    N_("accreditation {id} was {status} (since {since}) on the issue date {issued}"),
)
LAPSED = Template(
    "accreditation-lapsed",
    N_("accreditation {id} supported the document when it was issued but is {status} on {day}"),
)
EXPIRED_SINCE_ISSUE = Template(
    "accreditation-expired-since-issue",
    N_("accreditation {id} expired on {day}, after the document was issued"),
)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def completed_years(made: dt.date, as_of: dt.date) -> int:
    """The largest N for which ``made`` + N years falls strictly before ``as_of`` (-1 if none).

    So a machine is "over N years old" exactly when this is >= N: exactly five years is not over five.
    """
    if made >= as_of:
        return -1
    n = as_of.year - made.year
    while n >= 0 and add_years(made, n) >= as_of:
        n -= 1
    return n


def age_years(made: dt.date, as_of: dt.date) -> int:
    """Age in whole years as people say it: five on the fifth anniversary (but not yet *over* five)."""
    n = as_of.year - made.year
    while n > 0 and add_years(made, n) > as_of:
        n -= 1
    return max(n, 0)


def to_int(day: dt.date) -> int:
    """A date as YYYYMMDD: the engine compares numbers, never date strings (docs/engine.md, trap 9)."""
    return day.year * 10000 + day.month * 100 + day.day


@dataclass(frozen=True)
class AccreditationLookup:
    """One accreditation id named on a document, as the registry knows it."""

    id: str
    found: bool
    body: str | None = None
    verifier: str | None = None
    scopes: tuple[str, ...] = ()
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    status: str | None = None
    status_since: dt.date | None = None
    #: Supported the document on its issue date (dates and status; scopes are the rule's to judge).
    valid_on_issue: bool = False
    #: Why it did not, when it did not.
    problem: Phrase | None = None
    #: Valid on the issue date but no longer on the as-of date (a warning, not a failure).
    lapsed_since_issue: Phrase | None = None


@dataclass(frozen=True)
class DocumentFacts:
    doc: Document
    accreditations: tuple[AccreditationLookup, ...]
    #: What is wrong with the document by its own dates and status, whatever the rule asks (sentences).
    own_problems: tuple[Phrase, ...] = ()


def own_problems(doc: Document, as_of: dt.date) -> tuple[Phrase, ...]:
    """A document that contradicts itself, is not valid yet, or was withdrawn by its issuer is offered
    but invalid (never bad input: the rest of the shipment is still judged)."""
    out: list[Phrase] = []
    if doc.issued is not None and doc.valid_until is not None and doc.valid_until < doc.issued:
        out.append(ENDS_BEFORE_ISSUE(end=doc.valid_until.isoformat(), issued=doc.issued.isoformat()))
    if doc.valid_from is not None and doc.valid_from > as_of:
        out.append(NOT_YET_VALID(start=doc.valid_from.isoformat(), day=as_of.isoformat()))
    if doc.status == "deprecated":
        out.append(DEPRECATED())
    return tuple(out)


@dataclass(frozen=True)
class ItemFacts:
    item: Item
    as_of: dt.date
    #: completed_years for the latest possible manufacture day (the youngest reading of a bare year).
    years_min: int
    #: completed_years for the earliest possible manufacture day.
    years_max: int
    #: Age in whole years as people say it, youngest and oldest reading (for messages).
    age_min: int
    age_max: int
    #: Decision 18/2019: import year minus year of manufacture, whole calendar years.
    calendar_age: int
    documents: tuple[DocumentFacts, ...]
    hs_fits_type: bool | None

    def over_years(self, n: int) -> bool | None:
        """Over n years on the as-of date: True, False, or None when a bare year cannot settle it."""
        if self.years_min >= n:
            return True
        if self.years_max < n:
            return False
        return None


@dataclass(frozen=True)
class ShipmentFacts:
    shipment: Shipment
    as_of: dt.date
    items: tuple[ItemFacts, ...]
    #: The accreditation data the items' documents were looked up in.
    registry: Registry | None = None


#: Registry statuses, named in sentences in the user's language.
REGISTRY_STATUSES: dict[str, Template] = {
    s: Template(f"registry-status-{s}", t)
    for s, t in (("active", N_("active")), ("suspended", N_("suspended")), ("withdrawn", N_("withdrawn")))
}


def _status(status: str) -> Phrase | str:
    return REGISTRY_STATUSES[status]() if status in REGISTRY_STATUSES else status


def lookup_accreditation(
    acc_id: str, doc: Document, registry: Registry, as_of: dt.date
) -> AccreditationLookup:
    entry = registry.get(acc_id)
    if entry is None:
        return AccreditationLookup(id=acc_id, found=False, problem=NOT_IN_REGISTRY(id=acc_id))
    base = AccreditationLookup(
        id=acc_id, found=True, body=entry.body, verifier=entry.verifier, scopes=tuple(entry.scopes),
        valid_from=entry.valid_from, valid_until=entry.valid_until, status=entry.status,
        status_since=entry.status_since,
    )  # fmt: skip
    issued = doc.issued
    if issued is None:
        return replace(
            base,
            problem=NO_ISSUE_DATE(id=acc_id),
        )
    if issued < entry.valid_from or issued > entry.valid_until:
        return replace(
            base,
            problem=NOT_VALID_ON_ISSUE(
                id=acc_id,
                start=entry.valid_from.isoformat(),
                end=entry.valid_until.isoformat(),
                issued=issued.isoformat(),
            ),
        )
    status = entry.status_on(issued)
    if status != "active":
        since = entry.status_since.isoformat() if entry.status_since else UNKNOWN_DATE()
        return replace(
            base,
            problem=NOT_ACTIVE_ON_ISSUE(
                id=acc_id, status=_status(status), since=since, issued=issued.isoformat()
            ),
        )
    lapsed = None
    if not entry.supports_on(as_of):
        now = entry.status_on(as_of)
        lapsed = (
            LAPSED(id=acc_id, status=_status(now), day=as_of.isoformat())
            if now != "active"
            else EXPIRED_SINCE_ISSUE(id=acc_id, day=entry.valid_until.isoformat())
        )
    return replace(base, valid_on_issue=True, lapsed_since_issue=lapsed)


def unique_documents(documents: list[Document]) -> list[Document]:
    """The first document of each id, in order: the same document shown twice to the engine would
    corrupt its session (an inventory cell may name one document id twice)."""
    seen: dict[str, Document] = {}
    for d in documents:
        seen.setdefault(d.id, d)
    return list(seen.values())


def document_facts(doc: Document, registry: Registry, as_of: dt.date) -> DocumentFacts:
    """A document as the rules see it on a day: its accreditations looked up, its own problems."""
    return DocumentFacts(
        doc=doc,
        accreditations=tuple(
            lookup_accreditation(a, doc, registry, as_of)
            for a in dict.fromkeys(doc.verifier.accreditations if doc.verifier else [])
        ),
        own_problems=own_problems(doc, as_of),
    )


def item_facts(item: Item, documents: tuple[DocumentFacts, ...], as_of: dt.date) -> ItemFacts:
    """An item's derived values on a day, with the documents covering it."""
    earliest, latest = manufactured_bounds(item.manufactured)
    hs = item.hs_digits
    return ItemFacts(
        item=item,
        as_of=as_of,
        years_min=completed_years(latest, as_of),
        years_max=completed_years(earliest, as_of),
        age_min=age_years(latest, as_of),
        age_max=age_years(earliest, as_of),
        calendar_age=as_of.year - earliest.year,
        documents=documents,
        hs_fits_type=None if hs is None else hs_fits(item.machine_type, hs),
    )


def derive(manifest: Manifest, registry: Registry, as_of: dt.date) -> ShipmentFacts:
    """Every derived value the rulesets need, per item."""
    items = tuple(
        item_facts(
            item,
            tuple(
                document_facts(d, registry, as_of) for d in unique_documents(manifest.documents_for(item.id))
            ),
            as_of,
        )
        for item in manifest.items
    )
    return ShipmentFacts(shipment=manifest.shipment, as_of=as_of, items=items, registry=registry)
