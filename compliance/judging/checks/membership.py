"""Checks that a document's list states every required value: standards, stages, GHG scopes,
capabilities, languages. Values are compared in their canonical form (ISO14067 = ISO 14067, A4 =
transport, vi-VN = vi)."""

from __future__ import annotations

from dataclasses import dataclass

from compliance.judging.checks.base import Alternative, Witness, flag, flow, held
from compliance.judging.facts import DocumentFacts, ItemFacts
from compliance.language.i18n import N_
from compliance.language.phrases import Phrase, Template
from compliance.models.ruleset import Check
from compliance.models.vocab import normalise_values

NONE = Template("list-none", N_("none"))
LACKING = Template("list-lacking", N_("does not state {label} {lacking} (states: {stated})"))


@dataclass(frozen=True)
class Membership:
    name: str
    #: How a failure names the list.
    label: Template

    def _wanted(self, check: Check) -> list[str]:
        return normalise_values(self.name, list(getattr(check, self.name)))

    def alternatives(self, check: Check) -> list[Alternative]:
        return [([{flag(self.name, v): True} for v in self._wanted(check)], [], None)]

    def flags(self, check: Check) -> dict[str, set[str]]:
        return {self.name: set(self._wanted(check))}

    def witnesses(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> list[Witness]:
        have = set(normalise_values(self.name, list(getattr(doc.doc, self.name))))
        return held(set(self._wanted(check)) <= have)

    def problem(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> Phrase:
        wanted = list(getattr(check, self.name))
        have = set(normalise_values(self.name, list(getattr(doc.doc, self.name))))
        lacking = [str(w) for w in wanted if normalise_values(self.name, [w])[0] not in have]
        stated = ", ".join(map(str, getattr(doc.doc, self.name))) or NONE()
        return LACKING(label=self.label(), lacking=", ".join(lacking), stated=stated)

    def seen(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> str:
        return (
            f"{self.name}: required {flow(list(getattr(check, self.name)))}; "
            f"document states {flow(list(getattr(doc.doc, self.name)))}"
        )

    def lint(self, check: Check, where: str) -> list[str]:
        return []


KINDS = (
    Membership("standards", Template("label-standards", N_("conformity with"))),
    Membership("stages", Template("label-stages", N_("life-cycle stage(s)"))),
    Membership("ghg_scopes", Template("label-ghg-scopes", N_("GHG scope(s)"))),
    Membership("capabilities", Template("label-capabilities", N_("capability"))),
    Membership("markings", Template("label-markings", N_("marking(s)"))),
    Membership("languages", Template("label-languages", N_("language(s)"))),
)
