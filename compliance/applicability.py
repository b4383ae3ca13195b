"""Whether a ruleset version applies to an item, does not, or leaves it to a person (spec §5)."""

from __future__ import annotations

from dataclasses import dataclass

from compliance.facts import ItemFacts
from compliance.models.manifest import Shipment
from compliance.models.ruleset import Ruleset, Version
from compliance.vocab import Condition

_NUMBERS = {5: "five", 10: "ten"}


@dataclass(frozen=True)
class Applicability:
    applies: bool
    #: When it applies but a person must decide whether it really does (verdict at least review).
    uncertain: str | None = None
    #: Why it does not apply.
    reason: str | None = None


def _years(n: int) -> str:
    return f"{_NUMBERS.get(n, str(n))} years"


def _age_text(facts: ItemFacts) -> str:
    made = facts.item.manufactured
    day = facts.as_of.isoformat()
    if isinstance(made, int):
        return (
            f"machine made in {made} (day unknown) is {facts.age_min} to {facts.age_max} years old on {day}"
        )
    return f"machine is {facts.age_min} years old on {day}"


def applicability(ruleset: Ruleset, version: Version, shipment: Shipment, facts: ItemFacts) -> Applicability:
    """Judge a version's scope for one item on the facts' as-of date."""
    scope = version.scope
    item = facts.item
    if scope.requires_tender and shipment.tender is None:
        return Applicability(False, reason="the shipment declares no public tender")
    if scope.destinations is not None and shipment.destination not in scope.destinations:
        return Applicability(
            False,
            reason=f"the rule covers imports into {', '.join(scope.destinations)}; this shipment goes to "
            f"{shipment.destination}",
        )
    if scope.hs_chapters is not None and item.hs_digits and item.hs_digits[:2] not in scope.hs_chapters:
        return Applicability(
            False, reason=f"HS code {item.hs_code} is outside chapters {', '.join(scope.hs_chapters)}"
        )
    condition = Condition.USED if item.is_used else Condition.NEW
    if (
        scope.conditions is not None
        and condition not in scope.conditions
        and item.condition not in scope.conditions
    ):
        wanted = " or ".join(c.value for c in scope.conditions)
        return Applicability(
            False, reason=f"the rule covers {wanted} machines; this one is {item.condition.value}"
        )
    procedure = scope.procedures.get(item.customs_procedure)
    if procedure is None:
        covered = ", ".join(p.value for p in scope.procedures)
        return Applicability(
            False,
            reason=f"customs procedure {item.customs_procedure.value} is outside the rule (it covers: {covered})",
        )
    uncertain: list[str] = []
    if procedure == "review":
        uncertain.append(
            f"customs procedure {item.customs_procedure.value}: the rule's text does not say whether it covers it"
        )
    typed = scope.machine_types is None or item.machine_type in scope.machine_types
    if scope.age is not None:
        n = scope.age.over_years
        over = facts.over_years(n)
        if not typed and not scope.age.similar_types_review:
            return Applicability(False, reason=_type_reason(version, facts))
        if over is False:
            used = "used " if scope.conditions is not None and Condition.NEW not in scope.conditions else ""
            return Applicability(
                False, reason=f"{_age_text(facts)}; the rule covers {used}machines over {_years(n)}"
            )
        if over is None:
            uncertain.append(f"{_age_text(facts)}: the age cannot settle whether it is over {_years(n)}")
        if not typed:
            types = ", ".join(t.value for t in scope.machine_types or [])
            uncertain.append(
                f"{item.machine_type.value} is not named ({types}), but the rule also covers 'similar equipment'"
            )
    elif not typed:
        return Applicability(False, reason=_type_reason(version, facts))
    return Applicability(True, uncertain="; ".join(uncertain) or None)


def _type_reason(version: Version, facts: ItemFacts) -> str:
    types = ", ".join(t.value for t in version.scope.machine_types or [])
    return f"the rule covers {types}; this item is a {facts.item.machine_type.value}"
