"""The conditions a ruleset's requirement states: checks a document must pass (one kind each, the
kinds listed in `CHECK_KINDS`), checks on the machine itself, and how numbers reach the engine."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from pydantic import Field, model_validator

from compliance.models.common import Country, Model, empty_list
from compliance.models.vocab import DocumentType, normalise_stage


class Text(Model):
    """A sentence in English and Vietnamese."""

    en: str
    vi: str | None = None

    def get(self, lang: str) -> str:
        return (self.vi if lang == "vi" else None) or self.en

    @property
    def translations(self) -> dict[str, str]:
        """Each language the text is written in, and the words."""
        return {"en": self.en, **({"vi": self.vi} if self.vi else {})}


class AccreditationCheck(Model):
    bodies: list[str] | None = None
    scopes: list[str] = Field(default_factory=empty_list)
    scopes_any: list[str] = Field(default_factory=empty_list)
    #: Per destination, its own national accreditation body (bodies). An accreditation from another body
    #: still satisfies the check, but the requirement carries a warning: no mutual recognition yet.
    national_bodies: dict[Country, list[str]] | None = None


class Check(Model):
    """One condition a document must meet. Exactly one kind is given; ``for_types`` limits it."""

    standards: list[str] | None = None
    stages: list[str] | None = None
    ghg_scopes: list[int] | None = None
    capabilities: list[str] | None = None
    markings: list[str] | None = None
    languages: list[str] | None = None
    equals: dict[str, str | bool | int] | None = None
    one_of: dict[str, list[str]] | None = None
    present: list[str] | None = None
    greater_than: dict[str, float] | None = None
    absent: list[str] | None = None
    accreditation: AccreditationCheck | None = None
    item_one_of: dict[str, list[str]] | None = None
    for_types: list[DocumentType] | None = None
    explain: Text | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Check:
        kinds = [k for k in CHECK_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                f"a check states exactly one of: {', '.join(CHECK_KINDS)} (found {kinds or 'none'})"
            )
        for kind in ("equals", "one_of", "present", "greater_than", "absent"):
            unknown = [f for f in (getattr(self, kind) or []) if f not in DOCUMENT_FIELDS]
            if unknown:
                raise ValueError(
                    f"unknown document field(s) {unknown} in {kind}; known: {', '.join(sorted(DOCUMENT_FIELDS))}"
                )
        unknown_item = [f for f in (self.item_one_of or {}) if f not in ITEM_FIELDS]
        if unknown_item:
            raise ValueError(
                f"unknown item field(s) {unknown_item} in item_one_of; known: {', '.join(sorted(ITEM_FIELDS))}"
            )
        if self.stages is not None:
            bad = [s for s in self.stages if normalise_stage(s) is None]
            if bad:
                raise ValueError(f"unknown life-cycle stage(s) {bad}")
        for field, limit in (self.greater_than or {}).items():
            if field not in NUMBER_FIELDS:
                raise ValueError(f"greater_than compares numbers; {field} is not a number field")
            if not is_exact_at_scale(limit):
                raise ValueError(f"greater_than limit {limit} has more than {NUMBER_DECIMALS} decimal places")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in CHECK_KINDS if getattr(self, k) is not None)


CHECK_KINDS: tuple[str, ...] = (
    "standards", "stages", "ghg_scopes", "capabilities", "markings", "languages", "equals", "one_of", "present",
    "greater_than", "absent", "accreditation", "item_one_of",
)  # fmt: skip

#: Numbers reach the engine as integers: the value times 10**NUMBER_DECIMALS, rounded up. A float that
#: Python writes in exponent form (5e-05) crashes durable-rules' C code, and integers compare exactly.
#: With the fact rounded up and the limit exact at this scale, "value > limit" is decided exactly.
NUMBER_DECIMALS = 12
NUMBER_SCALE = 10**NUMBER_DECIMALS
NUMBER_FIELDS: frozenset[str] = frozenset({"primary_data_share"})


def scaled_up(value: float) -> int:
    """``value`` times NUMBER_SCALE, rounded up, computed exactly (no float rounding)."""
    return int(math.ceil(Fraction(value) * NUMBER_SCALE))


def is_exact_at_scale(value: float) -> bool:
    return bool((Decimal(repr(float(value))) * NUMBER_SCALE) % 1 == 0)


def scaled_limit(value: float) -> int:
    """A limit written in a ruleset, at the engine's scale (exact: checked when the ruleset loads)."""
    return int(Decimal(repr(float(value))) * NUMBER_SCALE)


#: Document fields a check may name in equals / one_of / present / greater_than.
DOCUMENT_FIELDS: frozenset[str] = frozenset(
    {
        "transport_destination", "issuer_role", "delivery", "legalised", "functional_unit", "system_boundary",
        "primary_data_share", "software_version", "sensors", "protocols", "issuer", "valid_until", "issued",
        "remanufacturer_code", "preference",
    }
)  # fmt: skip
ITEM_FIELDS: frozenset[str] = frozenset({"country_of_manufacture", "manufacturer"})


class ItemCheck(Model):
    """A condition on the machine itself: status ``failed`` when unmet, or ``review`` where the rule's
    text leaves the case to a person (``unmet: review``, e.g. Decision 18's Appendix I band)."""

    calendar_age_at_most: int = Field(ge=0)
    unmet: Literal["failed", "review"] = "failed"
    explain: Text | None = None
