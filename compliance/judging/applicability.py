"""Whether a ruleset version applies to an item, does not, or leaves it to a person."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from compliance.judging.facts import ItemFacts
from compliance.language.i18n import N_
from compliance.language.phrases import Phrase, Template, join, number, text, word
from compliance.models.manifest import Shipment
from compliance.models.report import RulesetResult
from compliance.models.ruleset import Ruleset, Version
from compliance.models.vocab import Condition

YEARS = Template("years", N_("{count} years"))
AGE_BARE_YEAR = Template(
    "machine-age-range", N_("machine made in {year} (day unknown) is {low} to {high} years old on {day}")
)
AGE = Template("machine-age", N_("machine is {age} years old on {day}"))
NO_TENDER = Template("scope-no-tender", N_("the shipment declares no public tender"))
OTHER_DESTINATION = Template(
    "scope-destination", N_("the rule covers imports into {countries}; this shipment goes to {destination}")
)
OTHER_CHAPTER = Template("scope-hs-chapter", N_("HS code {code} is outside chapters {chapters}"))
OTHER_CONDITION = Template(
    "scope-condition", N_("the rule covers {wanted} machines; this one is {condition}")
)
OTHER_PROCEDURE = Template(
    "scope-procedure", N_("customs procedure {procedure} is outside the rule (it covers: {covered})")
)
PROCEDURE_OPEN = Template(
    "scope-procedure-open",
    N_("customs procedure {procedure}: the rule's text does not say whether it covers it"),
)
USED_OVER = Template("scope-used-over-years", N_("the rule covers used machines over {years}"))
OVER = Template("scope-over-years", N_("the rule covers machines over {years}"))
TOO_YOUNG = Template("scope-too-young", "{age}; {covers}")
AGE_OPEN = Template("scope-age-open", N_("{age}: the age cannot settle whether it is over {years}"))
SIMILAR = Template(
    "scope-similar-equipment",
    N_("{type} is not named ({types}), but the rule also covers 'similar equipment'"),
)
OTHER_TYPE = Template("scope-machine-type", N_("the rule covers {types}; this item is a {type}"))
OTHER_ORIGIN = Template(
    "scope-origin", N_("the rule covers goods from {countries}; this machine comes from {origin}")
)
ROUTE_TAKEN = Template(
    "scope-route-taken",
    N_("{ruleset} gives this machine a route of its own and clears it: it is not judged under this rule"),
)
ROUTE_OPEN = Template(
    "scope-route-open",
    N_("this rule applies only if the machine does not qualify under {ruleset}, which a person must decide"),
)


@dataclass(frozen=True)
class Applicability:
    applies: bool
    #: When it applies but a person must decide whether it really does (verdict at least review; its
    #: unmet blocking requirements go to a person too).
    uncertain: Phrase | None = None
    #: A question the scope leaves open that blocks a clear but not a hold (verdict at least review).
    question: Phrase | None = None
    #: Why it does not apply.
    reason: Phrase | None = None


def _years(n: int) -> Phrase:
    # The contract's example reads "over five years" (spelled out in English, digits in Vietnamese).
    return YEARS(count=number(n))


def _age_text(facts: ItemFacts) -> Phrase:
    made = facts.item.manufactured
    day = facts.as_of.isoformat()
    if isinstance(made, int):
        return AGE_BARE_YEAR(year=made, low=facts.age_min, high=facts.age_max, day=day)
    return AGE(age=facts.age_min, day=day)


def speaks_of(version: Version, shipment: Shipment) -> bool:
    """The version's scope names the shipment's destination (and its tender, where it asks for one):
    otherwise it cannot apply to any of the shipment's items."""
    return speaks_of_destination(version, shipment.destination, tender=shipment.tender is not None)


def speaks_of_destination(version: Version, destination: str, *, tender: bool) -> bool:
    scope = version.scope
    if scope.requires_tender and not tender:
        return False
    return scope.destinations is None or destination in scope.destinations


def covers_destination(ruleset: Ruleset, shipment: Shipment) -> bool:
    """Some version of the ruleset in use speaks of imports into the shipment's destination (a tender
    ruleset speaks of any destination when the shipment declares a tender)."""
    return any(speaks_of(v, shipment) for v in ruleset.versions)


def origin_of(facts: ItemFacts, shipment: Shipment) -> str:
    """Where a machine comes from, for a rule that covers some origins: its country of manufacture,
    else the country the shipment leaves from."""
    return facts.item.country_of_manufacture or shipment.origin


def applicability(
    ruleset: Ruleset,
    version: Version,
    shipment: Shipment,
    facts: ItemFacts,
    routes: Mapping[str, RulesetResult] | None = None,
) -> Applicability:
    """Judge a version's scope for one item on the facts' as-of date. ``routes`` holds the results,
    for the same item, of the rulesets this version yields to (`Scope.yields_to`)."""
    outside = _outside(version, shipment, facts)
    if outside is not None:
        return Applicability(False, reason=outside)
    scope = version.scope
    item = facts.item
    uncertain: list[Phrase] = []
    for other in scope.yields_to:
        route = (routes or {}).get(other)
        if route is None or not route.applies:
            continue
        if route.verdict == "clear":
            return Applicability(False, reason=ROUTE_TAKEN(ruleset=other))
        if route.verdict == "review":
            uncertain.append(ROUTE_OPEN(ruleset=other))
    if scope.procedures.get(item.customs_procedure) == "review":
        uncertain.append(PROCEDURE_OPEN(procedure=item.customs_procedure.value))
    if scope.review is not None and (
        scope.review_conditions is None
        or _condition_in(item.condition, item.is_used, scope.review_conditions)
    ):
        uncertain.append(text(scope.review))
    too_young = _age_and_type(version, facts, uncertain)
    if too_young is not None:
        return Applicability(False, reason=too_young)
    return Applicability(True, uncertain=_joined(uncertain), question=_joined(_questions(version, facts)))


def _outside(version: Version, shipment: Shipment, facts: ItemFacts) -> Phrase | None:
    """Why the version cannot apply to the machine, read from what the shipment and the item state
    (tender, destination, HS chapter, condition, procedure, origin); None when none of these rules it out."""
    scope = version.scope
    item = facts.item
    if scope.requires_tender and shipment.tender is None:
        return NO_TENDER()
    if scope.destinations is not None and shipment.destination not in scope.destinations:
        return OTHER_DESTINATION(countries=", ".join(scope.destinations), destination=shipment.destination)
    if scope.hs_chapters is not None and item.hs_digits and item.hs_digits[:2] not in scope.hs_chapters:
        return OTHER_CHAPTER(code=item.hs_code or "", chapters=", ".join(scope.hs_chapters))
    condition = Condition.USED if item.is_used else Condition.NEW
    if (
        scope.conditions is not None
        and condition not in scope.conditions
        and item.condition not in scope.conditions
    ):
        wanted = join([word("condition", c.value) for c in scope.conditions], "or")
        return OTHER_CONDITION(wanted=wanted, condition=word("condition", item.condition.value))
    if scope.procedures.get(item.customs_procedure) is None:
        covered = ", ".join(p.value for p in scope.procedures)
        return OTHER_PROCEDURE(procedure=item.customs_procedure.value, covered=covered)
    if scope.origins is not None and origin_of(facts, shipment) not in scope.origins:
        return OTHER_ORIGIN(countries=", ".join(scope.origins), origin=origin_of(facts, shipment))
    return None


def _age_and_type(version: Version, facts: ItemFacts, uncertain: list[Phrase]) -> Phrase | None:
    """Why the machine's type or age rules it out, or None; the questions its age or "similar
    equipment" leave open are added to ``uncertain``."""
    scope = version.scope
    item = facts.item
    typed = scope.machine_types is None or item.machine_type in scope.machine_types
    if scope.age is None:
        return None if typed else _type_reason(version, facts)
    n = scope.age.over_years
    over = facts.over_years(n)
    if not typed and not scope.age.similar_types_review:
        return _type_reason(version, facts)
    if over is False:
        only_used = scope.conditions is not None and Condition.NEW not in scope.conditions
        covers = (USED_OVER if only_used else OVER)(years=_years(n))
        return TOO_YOUNG(age=_age_text(facts), covers=covers)
    if over is None:
        uncertain.append(AGE_OPEN(age=_age_text(facts), years=_years(n)))
    if not typed:
        types = join([word("machine_type", t.value) for t in scope.machine_types or []])
        uncertain.append(SIMILAR(type=word("machine_type", item.machine_type.value), types=types))
    return None


def _questions(version: Version, facts: ItemFacts) -> list[Phrase]:
    """What the scope leaves open that blocks a clear but not a hold."""
    scope = version.scope
    item = facts.item
    questions: list[Phrase] = []
    if scope.open_question is not None:
        questions.append(text(scope.open_question))
    if scope.hs_listed is not None and not (
        item.hs_digits and any(item.hs_digits.startswith(p) for p in scope.hs_listed)
    ):
        assert scope.hs_unlisted_review is not None
        questions.append(text(scope.hs_unlisted_review))
    return questions


def _condition_in(condition: Condition, used: bool, conditions: list[Condition]) -> bool:
    """A condition named, or ``used`` named for any machine that counts as used."""
    return condition in conditions or (used and Condition.USED in conditions)


def open_reason(app: Applicability) -> Phrase | None:
    """What a person must decide about the scope, in one phrase (the ruleset's reason)."""
    return _joined([p for p in (app.uncertain, app.question) if p is not None])


def _joined(phrases: list[Phrase]) -> Phrase | None:
    if len(phrases) <= 1:
        return phrases[0] if phrases else None
    return join(phrases, "; ")


def _type_reason(version: Version, facts: ItemFacts) -> Phrase:
    types = join([word("machine_type", t.value) for t in version.scope.machine_types or []])
    return OTHER_TYPE(types=types, type=word("machine_type", facts.item.machine_type.value))
