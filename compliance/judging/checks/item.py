"""Checks on the machine a document is offered for (a manufacturer's certificate counts only for
machines made in certain countries)."""

from __future__ import annotations

from typing import Any

from compliance.judging.checks.base import Alternative, Witness, flow, held, product, say
from compliance.judging.facts import DocumentFacts, ItemFacts
from compliance.language.i18n import N_
from compliance.language.phrases import Phrase, Template, join
from compliance.models.ruleset import ITEM_FIELDS, Check

ITEM_NOT_ONE_OF = Template(
    "item-field-not-one-of", N_("counts only for machines with {field} {values} (this item: {value})")
)


class ItemOneOf:
    name = "item_one_of"

    def alternatives(self, check: Check) -> list[Alternative]:
        assert check.item_one_of is not None
        item: list[list[dict[str, Any]]] = [[]]
        for f, vs in check.item_one_of.items():
            item = product(item, [[{f: v}] for v in dict.fromkeys(vs)])
        return [([], i, None) for i in item]

    def flags(self, check: Check) -> dict[str, set[str]]:
        return {}

    def witnesses(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> list[Witness]:
        assert check.item_one_of is not None
        return held(all(getattr(facts.item, f) in vs for f, vs in check.item_one_of.items()))

    def problem(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> Phrase:
        assert check.item_one_of is not None
        return join(
            [
                ITEM_NOT_ONE_OF(
                    field=f.replace("_", " "), values=", ".join(vs), value=say(getattr(facts.item, f))
                )
                for f, vs in check.item_one_of.items()
            ],
            "; ",
        )

    def seen(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> str:
        return "; ".join(
            f"item {f}: {flow(getattr(facts.item, f))}, must be one of {flow(vs)}"
            for f, vs in (check.item_one_of or {}).items()
        )

    def lint(self, check: Check, where: str) -> list[str]:
        return [
            f"{where}: unknown item field '{f}' in item_one_of (known: {', '.join(sorted(ITEM_FIELDS))})"
            for f in check.item_one_of or {}
            if f not in ITEM_FIELDS
        ]


KINDS = (ItemOneOf(),)
