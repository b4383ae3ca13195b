"""A document tried against a requirement (what it lacks, or why a person must decide), and the notes
on the deciding document that change no verdict (verifier name, lapsed accreditation, no national
accreditation body, a registry older than its renewal)."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from compliance.judging.checks import kind_of
from compliance.judging.checks.base import or_words
from compliance.judging.facts import DocumentFacts, ItemFacts
from compliance.judging.program import NOT_EXPIRED, NOT_FUTURE, Answer
from compliance.language.i18n import N_
from compliance.language.phrases import Phrase, Template, text
from compliance.models.registry import Registry
from compliance.models.report import DocumentTrial
from compliance.models.ruleset import Check, Requirement, Ruleset

_TRIAL_RANK = {"satisfied": 2, "review": 1, "invalid": 0}

EXPLAINED = Template("check-explained", "{explain}: {problem}")
ISSUED_AFTER = Template("document-issued-after-as-of", N_("issued {issued}, after the as-of date {day}"))
EXPIRED = Template("document-expired", N_("expired on {day}"))
ITEM_LACKS = Template(
    "item-field-unstated",
    N_(
        "the item does not state its {fields}, which decides whether this document counts: a person must decide"
    ),
)
RULE_OPEN = Template("rule-leaves-open", N_("the rule's text leaves this case open"))
VERIFIER_NAME = Template(
    "verifier-name-differs",
    N_(
        "{document}: the verifier is named '{name}', but the registry lists accreditation {id} under '{listed}'"
    ),
)
CUSTOMS_MAY_ASK = Template("accreditation-note", N_("{document}: {note}; customs may ask about it"))
NATIONAL_BODY = Template(
    "accreditation-not-national-body",
    N_(
        "{document}: accreditation {id} was granted by {body}, not by {national}, the national "
        "accreditation body of {country}; with no mutual recognition of verifiers yet, customs may "
        "ask whether the verifier is recognised there"
    ),
)
REGISTRY_STALE = Template(
    "registry-stale",
    N_(
        "the accreditation registry {registry} was published {day}; this rule's registry is renewed "
        "every {months} months, so check the current one"
    ),
)
REGISTRY_UNDATED = Template(
    "registry-undated",
    N_("the accreditation registry {registry} states no publication date: check that it is the current one"),
)


def check_problem(check: Check, df: DocumentFacts, facts: ItemFacts) -> Phrase:
    """Why a check failed for a document, in terms a broker can act on."""
    problem = kind_of(check).problem(check, df, facts)
    return EXPLAINED(explain=text(check.explain), problem=problem) if check.explain is not None else problem


def trial(
    req: Requirement, key: str, df: DocumentFacts, answers: frozenset[Answer], facts: ItemFacts
) -> DocumentTrial:
    d = df.doc
    got = {a.kind for a in answers if a.key == key and a.document == d.id}
    problems: list[Phrase] = []
    if NOT_FUTURE not in got:
        assert d.issued is not None
        problems.append(ISSUED_AFTER(issued=d.issued.isoformat(), day=facts.as_of.isoformat()))
    if NOT_EXPIRED not in got:
        assert d.valid_until is not None
        problems.append(EXPIRED(day=d.valid_until.isoformat()))
    problems.extend(df.own_problems)
    # A check on an item field that the item does not state (Decision 18: the country of manufacture
    # decides whether a manufacturer's certificate counts) leaves the document to a person.
    undecided: list[str] = []
    for j, check in enumerate(req.checks):
        if f"c{j}" not in got:
            if _item_lacks(check, req, facts):
                undecided.extend(f for f in check.item_one_of or {} if not getattr(facts.item, f))
            else:
                problems.append(check_problem(check, df, facts))
    if problems:
        return DocumentTrial(document=d.id, document_type=d.type.value, status="invalid", problems=problems)
    if undecided:
        reason = ITEM_LACKS(fields=", ".join(dict.fromkeys(f.replace("_", " ") for f in undecided)))
        return DocumentTrial(document=d.id, document_type=d.type.value, status="review", problems=[reason])
    if any(f"r{k}" in got for k in range(len(req.review_when))):
        reason = text(req.review_reason) if req.review_reason else RULE_OPEN()
        return DocumentTrial(document=d.id, document_type=d.type.value, status="review", problems=[reason])
    return DocumentTrial(document=d.id, document_type=d.type.value, status="satisfied")


def _item_lacks(check: Check, req: Requirement, facts: ItemFacts) -> bool:
    fields = list(check.item_one_of or {})
    return bool(fields) and all(f in req.review_if_item_lacks and not getattr(facts.item, f) for f in fields)


def deciding_warnings(
    req: Requirement, key: str, df: DocumentFacts, answers: frozenset[Answer], destination: str
) -> list[Phrase]:
    """Notes on the deciding document that change no verdict."""
    used = {a.accreditation for a in answers if a.key == key and a.document == df.doc.id and a.accreditation}
    out: list[Phrase] = []
    name = df.doc.verifier.name if df.doc.verifier else None
    for acc in df.accreditations:
        if acc.id not in used:
            continue
        if name and acc.verifier and name.strip().casefold() != acc.verifier.strip().casefold():
            out.append(VERIFIER_NAME(document=df.doc.id, name=name, id=acc.id, listed=acc.verifier))
        if acc.lapsed_since_issue:
            out.append(CUSTOMS_MAY_ASK(document=df.doc.id, note=acc.lapsed_since_issue))
    out.extend(_national_body_warnings(req, key, df, answers, destination))
    return out


def _national_body_warnings(
    req: Requirement, key: str, df: DocumentFacts, answers: frozenset[Answer], destination: str
) -> list[Phrase]:
    """An accreditation that satisfies the check but is not from the destination's own national
    body: no mutual recognition of verifiers yet, so customs may ask (a warning, not a failure)."""
    out: list[Phrase] = []
    for j, check in enumerate(req.checks):
        spec = check.accreditation
        if spec is None or not spec.national_bodies or destination not in spec.national_bodies:
            continue
        national = spec.national_bodies[destination]
        used = {
            a.accreditation for a in answers if a.key == key and a.kind == f"c{j}" and a.document == df.doc.id
        }
        accs = [acc for acc in df.accreditations if acc.id in used]
        wanted = {b.strip().casefold() for b in national}
        if accs and not any((acc.body or "").strip().casefold() in wanted for acc in accs):
            out.append(
                NATIONAL_BODY(
                    document=df.doc.id,
                    id=accs[0].id,
                    body=accs[0].body or "",
                    national=or_words(list(national)),
                    country=destination,
                )
            )
    return out


def registry_age(ruleset: Ruleset, req: Requirement, registry: Registry | None, day: dt.date) -> list[Phrase]:
    """A requirement judged on accreditations rests on the registry: where the ruleset says how often
    that registry is renewed, each file older than that (or stating no date) is named."""
    months = ruleset.registry_renewed_months
    if months is None or registry is None or not any(c.accreditation for c in req.checks):
        return []
    out: list[Phrase] = []
    for source, published in registry.stale_on(day, months):
        name = PurePath(source).name
        if published is None:
            out.append(REGISTRY_UNDATED(registry=name))
        else:
            out.append(REGISTRY_STALE(registry=name, day=published.isoformat(), months=months))
    return out
