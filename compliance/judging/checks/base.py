"""What every check kind shares: the shape of a kind, the engine's flag names, and value words.

A check kind owns, in one module, how it compiles for the engine (mutually exclusive alternatives of
plain pattern data, never an "$or" beside a reference: durable ignores references after an "$or"), its
plain-Python reading (the reference evaluator's), why it failed (for the report), what it saw (for
`explain`) and what makes it unusable (for `rulesets lint`). Its schema is the field of the same name
on the ruleset model's `Check`."""

from __future__ import annotations

import re
from typing import Any, Protocol

from compliance.judging.facts import DocumentFacts, ItemFacts
from compliance.language.i18n import N_
from compliance.language.phrases import Phrase, Template, join
from compliance.models.ruleset import Check

Pattern = dict[str, Any]
#: One way a check holds: engine conditions on the document, on the item and, for accreditation
#: checks, on one accreditation fact (None when the kind reads no accreditation).
Alternative = tuple[list[Pattern], list[Pattern], list[Pattern] | None]
#: What makes a document pass a check: None for the document itself, or each accreditation id that does.
Witness = str | None


class CheckKind(Protocol):
    """One kind of check; `compliance.judging.checks.KINDS` lists them all. A kind without settings is
    a plain class with one instance (a frozen dataclass would make six methods at every start)."""

    @property
    def name(self) -> str:
        """The kind's key in a ruleset's check (``standards``, ``accreditation``, ...)."""
        ...

    def alternatives(self, check: Check) -> list[Alternative]:
        """The check as mutually exclusive engine alternatives; it holds when exactly one matches."""
        ...

    def flags(self, check: Check) -> dict[str, set[str]]:
        """List values (or accreditation scopes) the engine must see as flags for this check."""
        ...

    def witnesses(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> list[Witness]:
        """The plain-Python reading: empty when the check fails for this document."""
        ...

    def problem(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> Phrase:
        """Why the check failed for the document (a phrase: words are made when rendering)."""
        ...

    def seen(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> str:
        """What the check looked at, for `explain` (the analyst's words, English)."""
        ...

    def lint(self, check: Check, where: str) -> list[str]:
        """What makes the check unusable (never holds, unknown fields), for `rulesets lint`."""
        ...


def product(left: list[list[Pattern]], right: list[list[Pattern]]) -> list[list[Pattern]]:
    """Every combination of one condition list from each side (an "and" of two "or"s)."""
    return [[*a, *b] for a in left for b in right]


def token(value: object) -> str:
    """A value as a safe part of a field name (durable treats dots as nesting)."""
    return re.sub(r"[^A-Za-z0-9]", "_", str(value))


def flag(field: str, value: object) -> str:
    return f"{field}__{token(value)}"


def body_token(body: str) -> str:
    return body.strip().casefold()


def present(value: Any) -> bool:
    return value not in (None, "", [])


NOT_STATED = Template("value-not-stated", N_("not stated"))
YES = Template("value-yes", N_("yes"))
NO = Template("value-no", N_("no"))


def say(value: object) -> Phrase | str:
    """A document's value as a sentence shows it: never a programming value (None, True, [], quotes)."""
    if value is None or value == "" or value == []:
        return NOT_STATED()
    if isinstance(value, bool):
        return YES() if value else NO()
    if isinstance(value, list | tuple | set):
        return join([say(v) for v in value])
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def flow(value: object) -> str:
    """A value as an analyst writes it in a ruleset (YAML flow style): [A1, A2], {delivery: retrofit},
    never a Python repr; an absent value is "not stated"."""
    import yaml

    if value is None:
        return "not stated"
    if isinstance(value, str):
        return value
    text: str = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6
    )
    return text.strip().removesuffix("...").strip()


#: The joining words, translated where a joined list is rendered.
CONJUNCTIONS = (N_("or"), N_("and"))


def or_words(values: list[Any]) -> Phrase:
    return join(values, "or")


def and_words(values: list[Any]) -> Phrase:
    return join(values, "and")


def held(ok: bool) -> list[Witness]:
    return [None] if ok else []
