"""Whether a ruleset version applies to an item, does not, or leaves it to a person."""

from __future__ import annotations

from dataclasses import dataclass

from compliance.facts import ItemFacts
from compliance.i18n import _, current_language
from compliance.labels import vocab_word
from compliance.models.manifest import Shipment
from compliance.models.ruleset import Ruleset, Version
from compliance.vocab import Condition


@dataclass(frozen=True)
class Applicability:
    applies: bool
    #: When it applies but a person must decide whether it really does (verdict at least review).
    uncertain: str | None = None
    #: Why it does not apply.
    reason: str | None = None


_NUMBERS = {5: "five", 10: "ten"}


def _years(n: int) -> str:
    # The contract's example reads "over five years"; Vietnamese reads digits.
    count = _NUMBERS.get(n, str(n)) if current_language() == "en" else str(n)
    return _("{count} years").format(count=count)


def _age_text(facts: ItemFacts) -> str:
    made = facts.item.manufactured
    day = facts.as_of.isoformat()
    if isinstance(made, int):
        return _("machine made in {year} (day unknown) is {low} to {high} years old on {day}").format(
            year=made, low=facts.age_min, high=facts.age_max, day=day
        )
    return _("machine is {age} years old on {day}").format(age=facts.age_min, day=day)


def covers_destination(ruleset: Ruleset, shipment: Shipment) -> bool:
    """Some version of the ruleset in use speaks of imports into the shipment's destination (a tender
    ruleset speaks of any destination when the shipment declares a tender)."""
    for v in ruleset.versions:
        if v.scope.requires_tender and shipment.tender is None:
            continue
        if v.scope.destinations is None or shipment.destination in v.scope.destinations:
            return True
    return False


def applicability(ruleset: Ruleset, version: Version, shipment: Shipment, facts: ItemFacts) -> Applicability:
    """Judge a version's scope for one item on the facts' as-of date."""
    scope = version.scope
    item = facts.item
    if scope.requires_tender and shipment.tender is None:
        return Applicability(False, reason=_("the shipment declares no public tender"))
    if scope.destinations is not None and shipment.destination not in scope.destinations:
        return Applicability(
            False,
            reason=_("the rule covers imports into {countries}; this shipment goes to {destination}").format(
                countries=", ".join(scope.destinations), destination=shipment.destination
            ),
        )
    if scope.hs_chapters is not None and item.hs_digits and item.hs_digits[:2] not in scope.hs_chapters:
        return Applicability(
            False,
            reason=_("HS code {code} is outside chapters {chapters}").format(
                code=item.hs_code, chapters=", ".join(scope.hs_chapters)
            ),
        )
    condition = Condition.USED if item.is_used else Condition.NEW
    if (
        scope.conditions is not None
        and condition not in scope.conditions
        and item.condition not in scope.conditions
    ):
        wanted = (" " + _("or") + " ").join(vocab_word("condition", c.value) for c in scope.conditions)
        return Applicability(
            False,
            reason=_("the rule covers {wanted} machines; this one is {condition}").format(
                wanted=wanted, condition=vocab_word("condition", item.condition.value)
            ),
        )
    procedure = scope.procedures.get(item.customs_procedure)
    if procedure is None:
        covered = ", ".join(p.value for p in scope.procedures)
        return Applicability(
            False,
            reason=_("customs procedure {procedure} is outside the rule (it covers: {covered})").format(
                procedure=item.customs_procedure.value, covered=covered
            ),
        )
    uncertain: list[str] = []
    if procedure == "review":
        uncertain.append(
            _("customs procedure {procedure}: the rule's text does not say whether it covers it").format(
                procedure=item.customs_procedure.value
            )
        )
    typed = scope.machine_types is None or item.machine_type in scope.machine_types
    if scope.age is not None:
        n = scope.age.over_years
        over = facts.over_years(n)
        if not typed and not scope.age.similar_types_review:
            return Applicability(False, reason=_type_reason(version, facts))
        if over is False:
            only_used = scope.conditions is not None and Condition.NEW not in scope.conditions
            covers = (
                _("the rule covers used machines over {years}")
                if only_used
                else _("the rule covers machines over {years}")
            )
            return Applicability(False, reason=f"{_age_text(facts)}; {covers.format(years=_years(n))}")
        if over is None:
            uncertain.append(
                _("{age}: the age cannot settle whether it is over {years}").format(
                    age=_age_text(facts), years=_years(n)
                )
            )
        if not typed:
            types = ", ".join(vocab_word("machine_type", t.value) for t in scope.machine_types or [])
            uncertain.append(
                _("{type} is not named ({types}), but the rule also covers 'similar equipment'").format(
                    type=vocab_word("machine_type", item.machine_type.value), types=types
                )
            )
    elif not typed:
        return Applicability(False, reason=_type_reason(version, facts))
    return Applicability(True, uncertain="; ".join(uncertain) or None)


def _type_reason(version: Version, facts: ItemFacts) -> str:
    types = ", ".join(vocab_word("machine_type", t.value) for t in version.scope.machine_types or [])
    return _("the rule covers {types}; this item is a {type}").format(
        types=types, type=vocab_word("machine_type", facts.item.machine_type.value)
    )
