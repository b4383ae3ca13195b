"""The check kinds: one module each, listed here once. Everything else (the engine compiler, the
reference evaluator, the report's failure sentences, `explain` and `rulesets lint`) asks this registry,
so adding a kind is one module and its tests.

May import: `compliance.judging.facts`, `compliance.models`, `compliance.language`."""

from __future__ import annotations

from compliance.judging.checks import accreditation, fields, item, membership
from compliance.judging.checks.base import Alternative, CheckKind, Pattern, Witness, body_token, flag, say
from compliance.models.ruleset import CHECK_KINDS, Check

KINDS: dict[str, CheckKind] = {
    k.name: k for k in (*membership.KINDS, *fields.KINDS, *item.KINDS, *accreditation.KINDS)
}

if set(KINDS) != set(CHECK_KINDS):  # the ruleset model and the registry must name the same kinds
    raise ImportError(f"check kinds out of step: model {sorted(CHECK_KINDS)}, registry {sorted(KINDS)}")

#: Document list fields whose values checks test for membership (sent to the engine as flags).
LIST_FIELDS: tuple[str, ...] = tuple(k.name for k in membership.KINDS)


def kind_of(check: Check) -> CheckKind:
    """The module that owns this check's kind."""
    return KINDS[check.kind]


def applies_to(check: Check, doc_type: str) -> bool:
    """A check limited by ``for_types`` does not concern other document types: it holds for them."""
    return check.for_types is None or doc_type in {t.value for t in check.for_types}


__all__ = [
    "KINDS", "LIST_FIELDS", "Alternative", "CheckKind", "Pattern", "Witness", "applies_to", "body_token", "flag",
    "kind_of", "say",
]  # fmt: skip
