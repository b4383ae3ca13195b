"""Rulesets as data (spec §5): scope, dated versions, requirements and the checks that satisfy them.

A ruleset is legislation written as data, after OpenFisca: every version has its effective dates,
every requirement its citation. Everything an analyst may need to change (accepted accreditation
bodies, age thresholds, stages, adopting countries, lead times) lives here, not in code.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from compliance.models.common import Country, Date, Identifier, Model
from compliance.vocab import Condition, CustomsProcedure, DocumentType, MachineType, normalise_stage

Severity = Literal["blocking", "warning", "info"]
SourceConfidence = Literal["official", "official_summary", "reported", "anticipated"]


class Text(Model):
    """A sentence in English and Vietnamese."""

    en: str
    vi: str | None = None

    def get(self, lang: str) -> str:
        return (self.vi if lang == "vi" else None) or self.en


class AccreditationCheck(Model):
    bodies: list[str] | None = None
    scopes: list[str] = Field(default_factory=list)
    scopes_any: list[str] = Field(default_factory=list)


class Check(Model):
    """One condition a document must meet. Exactly one kind is given; ``for_types`` limits it."""

    standards: list[str] | None = None
    stages: list[str] | None = None
    ghg_scopes: list[int] | None = None
    capabilities: list[str] | None = None
    languages: list[str] | None = None
    equals: dict[str, str | bool | int] | None = None
    one_of: dict[str, list[str]] | None = None
    present: list[str] | None = None
    greater_than: dict[str, float] | None = None
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
        for kind in ("equals", "one_of", "present", "greater_than"):
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
        return self

    @property
    def kind(self) -> str:
        return next(k for k in CHECK_KINDS if getattr(self, k) is not None)


CHECK_KINDS: tuple[str, ...] = (
    "standards", "stages", "ghg_scopes", "capabilities", "languages", "equals", "one_of", "present",
    "greater_than", "accreditation", "item_one_of",
)  # fmt: skip

#: Document fields a check may name in equals / one_of / present / greater_than.
DOCUMENT_FIELDS: frozenset[str] = frozenset(
    {
        "transport_destination", "issuer_role", "delivery", "legalised", "functional_unit", "system_boundary",
        "primary_data_share", "software_version", "sensors", "protocols", "issuer", "valid_until", "issued",
    }
)  # fmt: skip
ITEM_FIELDS: frozenset[str] = frozenset({"country_of_manufacture", "manufacturer"})


class ItemCheck(Model):
    """A condition on the machine itself (status ``failed`` when unmet)."""

    calendar_age_at_most: int | None = None
    explain: Text | None = None


class Requirement(Model):
    id: Identifier
    title: Text
    action: Text
    citation: str
    severity: Severity = "blocking"
    documents: list[DocumentType] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    review_when: list[Check] = Field(default_factory=list)
    review_reason: Text | None = None
    item_checks: list[ItemCheck] = Field(default_factory=list)
    review_if_item_lacks: list[str] = Field(default_factory=list)
    issuer: Text | None = None
    lead_time_weeks: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _shape(self) -> Requirement:
        if bool(self.documents) == bool(self.item_checks):
            raise ValueError(
                "a requirement asks either for documents or for item_checks, not both or neither"
            )
        return self

    @property
    def document_type(self) -> str | None:
        return self.documents[0].value if self.documents else None


ProcedureEffect = Literal["applies", "review"]


def _import_only() -> dict[CustomsProcedure, ProcedureEffect]:
    return {CustomsProcedure.IMPORT: "applies"}


class AgeScope(Model):
    over_years: int = Field(ge=0)
    #: Machine types outside ``machine_types`` that are still over the age get ``review`` ("similar equipment").
    similar_types_review: bool = False


class Scope(Model):
    destinations: list[Country] | None = None
    machine_types: list[MachineType] | None = None
    conditions: list[Condition] | None = None
    procedures: dict[CustomsProcedure, ProcedureEffect] = Field(default_factory=_import_only)
    age: AgeScope | None = None
    hs_chapters: list[str] | None = None
    requires_tender: bool = False
    citation: str | None = None


class TenderSeverity(Model):
    """How a tender's ``carbon_criterion`` sets the severity of every requirement."""

    mandatory: Severity = "blocking"
    scoring: Severity = "warning"
    voluntary: Severity = "info"
    unstated_reason: Text


class Version(Model):
    version: Identifier
    effective_from: Date
    effective_to: Date | None = None
    status: Literal["in_force", "draft"] = "in_force"
    source_confidence: SourceConfidence | None = None
    notes: str | None = None
    scope: Scope
    tender_severity: TenderSeverity | None = None
    requirements: list[Requirement] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Version:
        ids = [r.id for r in self.requirements]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate requirement id(s) {dupes}")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class Source(Model):
    title: str
    reference: str
    url: str | None = None
    seed: str | None = None
    note: str | None = None


class Ruleset(Model):
    id: Identifier
    title: Text
    jurisdiction: str
    source: Source
    source_confidence: SourceConfidence
    adopters: list[Country] = Field(default_factory=list)
    versions: list[Version] = Field(min_length=1)

    @model_validator(mode="after")
    def _versions(self) -> Ruleset:
        ordered = sorted(self.versions, key=lambda v: v.effective_from)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            end = earlier.effective_to
            if end is None or end >= later.effective_from:
                raise ValueError(
                    f"versions {earlier.version} and {later.version} overlap: version {earlier.version} must end "
                    f"(effective_to) before {later.effective_from.isoformat()}"
                )
        names = [v.version for v in self.versions]
        if len(set(names)) != len(names):
            raise ValueError("two versions share a version name")
        return self

    def version_on(self, day: dt.date) -> Version | None:
        """The version in force on a day (drafts included: their status is shown in the result)."""
        return next((v for v in self.versions if v.in_force_on(day)), None)

    def next_version_after(self, day: dt.date) -> Version | None:
        """The first version that takes effect after a day."""
        later = sorted((v for v in self.versions if v.effective_from > day), key=lambda v: v.effective_from)
        return later[0] if later else None
