"""Checks on a document's own fields: equals, one of, present, absent, greater than."""

from __future__ import annotations

from typing import Any, get_args

from compliance.judging.checks.base import Alternative, Witness, flow, held, or_words, present, product, say
from compliance.judging.facts import DocumentFacts, ItemFacts
from compliance.language.i18n import N_
from compliance.language.phrases import Phrase, Template, join
from compliance.models.common import country_code
from compliance.models.manifest import Document
from compliance.models.ruleset import DOCUMENT_FIELDS, Check, scaled_limit

NOT_EQUAL = Template("field-not-equal", N_("{field} is {value}, expected {expected}"))
NOT_ONE_OF = Template("field-not-one-of", N_("{field} is {value}; expected {expected}"))
NOT_PRESENT = Template("field-not-stated", N_("does not state {fields}"))
NOT_ABSENT = Template("field-stated", N_("states {fields}"))
NO_NUMBER = Template("number-not-stated", N_("does not state its {field}"))
NOT_ABOVE = Template("number-not-above", N_("{field} is {value}; must be above {limit}"))

#: The values a document field can take, where the manifest fixes them.
_VOCAB: dict[str, tuple[str, ...]] = {
    "issuer_role": get_args(Document.model_fields["issuer_role"].annotation.__args__[0]),  # type: ignore[union-attr]
    "delivery": get_args(Document.model_fields["delivery"].annotation.__args__[0]),  # type: ignore[union-attr]
}


def value_problems(kind: str, spec: dict[str, Any], where: str) -> list[str]:
    """Fields a check names that no document has, and values a field can never take."""
    out: list[str] = []
    for f, value in spec.items():
        if f not in DOCUMENT_FIELDS:
            out.append(
                f"{where}: unknown document field '{f}' in {kind} (known: {', '.join(sorted(DOCUMENT_FIELDS))})"
            )
            continue
        values = value if isinstance(value, list) else [value]
        allowed = _VOCAB.get(f)
        bad = [v for v in values if allowed and v not in allowed]
        if bad:
            out.append(
                f"{where}: {f} can never be {bad} (it is one of {', '.join(allowed or ())}), so the check never holds"
            )
        if f == "transport_destination":
            for v in values:
                try:
                    country_code(v)
                except ValueError as exc:
                    out.append(f"{where}: {exc}")
    return out


def _stated(fields: list[str], doc: DocumentFacts) -> str:
    """What explain shows for presence checks: each field, stated or not."""
    return "; ".join(f"{f}: {'stated' if getattr(doc.doc, f) else 'not stated'}" for f in fields)


def _names(fields: list[str]) -> list[str]:
    return [f for f in fields if f not in DOCUMENT_FIELDS]


class Equals:
    name = "equals"

    def alternatives(self, check: Check) -> list[Alternative]:
        assert check.equals is not None
        return [([{f: v} for f, v in check.equals.items()], [], None)]

    def flags(self, check: Check) -> dict[str, set[str]]:
        return {}

    def witnesses(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> list[Witness]:
        assert check.equals is not None
        d = doc.doc
        return held(
            all(getattr(d, f) == v and type(getattr(d, f)) is type(v) for f, v in check.equals.items())
        )

    def problem(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> Phrase:
        assert check.equals is not None
        d = doc.doc
        return join(
            [
                NOT_EQUAL(field=f.replace("_", " "), value=say(getattr(d, f)), expected=say(v))
                for f, v in check.equals.items()
                if getattr(d, f) != v
            ],
            "; ",
        )

    def seen(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> str:
        assert check.equals is not None
        return "; ".join(
            f"{f}: required equals {flow(v)}; document has {flow(getattr(doc.doc, f))}"
            for f, v in check.equals.items()
        )

    def lint(self, check: Check, where: str) -> list[str]:
        return value_problems(self.name, check.equals or {}, where)


class OneOf:
    name = "one_of"

    def alternatives(self, check: Check) -> list[Alternative]:
        assert check.one_of is not None
        doc: list[list[dict[str, Any]]] = [[]]
        for f, vs in check.one_of.items():
            doc = product(doc, [[{f: v}] for v in dict.fromkeys(vs)])
        return [(d, [], None) for d in doc]

    def flags(self, check: Check) -> dict[str, set[str]]:
        return {}

    def witnesses(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> list[Witness]:
        assert check.one_of is not None
        return held(all(getattr(doc.doc, f) in vs for f, vs in check.one_of.items()))

    def problem(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> Phrase:
        assert check.one_of is not None
        d = doc.doc
        return join(
            [
                NOT_ONE_OF(field=f.replace("_", " "), value=say(getattr(d, f)), expected=or_words(list(vs)))
                for f, vs in check.one_of.items()
                if getattr(d, f) not in vs
            ],
            "; ",
        )

    def seen(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> str:
        assert check.one_of is not None
        return "; ".join(
            f"{f}: required one of {flow(v)}; document has {flow(getattr(doc.doc, f))}"
            for f, v in check.one_of.items()
        )

    def lint(self, check: Check, where: str) -> list[str]:
        out = value_problems(self.name, check.one_of or {}, where)
        if any(not vs for vs in (check.one_of or {}).values()):
            out.append(f"{where}: one_of with no values never holds")
        return out


class Present:
    name = "present"

    def alternatives(self, check: Check) -> list[Alternative]:
        assert check.present is not None
        return [([{f"has_{f}": True} for f in check.present], [], None)]

    def flags(self, check: Check) -> dict[str, set[str]]:
        return {}

    def witnesses(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> list[Witness]:
        assert check.present is not None
        return held(all(present(getattr(doc.doc, f)) for f in check.present))

    def problem(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> Phrase:
        assert check.present is not None
        return NOT_PRESENT(
            fields=", ".join(f.replace("_", " ") for f in check.present if not getattr(doc.doc, f))
        )

    def seen(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> str:
        return _stated(check.present or [], doc)

    def lint(self, check: Check, where: str) -> list[str]:
        return [f"{where}: unknown document field '{f}' in present" for f in _names(check.present or [])]


class Absent:
    name = "absent"

    def alternatives(self, check: Check) -> list[Alternative]:
        assert check.absent is not None
        # Guarded by the document's positive kind/type conditions (a bare $nex also matches state facts).
        return [([{"$nex": {f"has_{f}": 1}} for f in check.absent], [], None)]

    def flags(self, check: Check) -> dict[str, set[str]]:
        return {}

    def witnesses(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> list[Witness]:
        assert check.absent is not None
        return held(not any(present(getattr(doc.doc, f)) for f in check.absent))

    def problem(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> Phrase:
        assert check.absent is not None
        return NOT_ABSENT(fields=", ".join(f.replace("_", " ") for f in check.absent))

    def seen(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> str:
        return _stated(check.absent or [], doc)

    def lint(self, check: Check, where: str) -> list[str]:
        return [f"{where}: unknown document field '{f}' in absent" for f in _names(check.absent or [])]


class GreaterThan:
    name = "greater_than"

    def alternatives(self, check: Check) -> list[Alternative]:
        assert check.greater_than is not None
        # Numbers reach the engine as exact scaled integers (see models.ruleset.scaled_up).
        return [([{"$gt": {f: scaled_limit(v)}} for f, v in check.greater_than.items()], [], None)]

    def flags(self, check: Check) -> dict[str, set[str]]:
        return {}

    def witnesses(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> list[Witness]:
        assert check.greater_than is not None
        d = doc.doc
        return held(
            all(getattr(d, f) is not None and getattr(d, f) > v for f, v in check.greater_than.items())
        )

    def problem(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> Phrase:
        assert check.greater_than is not None
        d = doc.doc
        return join(
            [
                NO_NUMBER(field=f.replace("_", " "))
                if getattr(d, f) is None
                else NOT_ABOVE(field=f.replace("_", " "), value=say(getattr(d, f)), limit=f"{v:g}")
                for f, v in check.greater_than.items()
            ],
            "; ",
        )

    def seen(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> str:
        assert check.greater_than is not None
        return "; ".join(
            f"{f}: required greater than {flow(v)}; document has {flow(getattr(doc.doc, f))}"
            for f, v in check.greater_than.items()
        )

    def lint(self, check: Check, where: str) -> list[str]:
        return value_problems(self.name, check.greater_than or {}, where)


KINDS = (Equals(), OneOf(), Present(), Absent(), GreaterThan())
