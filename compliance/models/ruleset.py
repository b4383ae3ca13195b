"""Rulesets as data: scope, dated versions, requirements and the checks that satisfy them.

A ruleset is legislation written as data, after OpenFisca: every version has its effective dates,
every requirement its citation. Everything an analyst may need to change (accepted accreditation
bodies, age thresholds, stages, adopting countries, lead times) lives here, not in code.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator, model_validator

from compliance.models.common import Country, Date, Identifier, Model, empty_list
from compliance.models.conditions import CHECK_KINDS as CHECK_KINDS
from compliance.models.conditions import DOCUMENT_FIELDS as DOCUMENT_FIELDS
from compliance.models.conditions import ITEM_FIELDS as ITEM_FIELDS
from compliance.models.conditions import NUMBER_DECIMALS as NUMBER_DECIMALS
from compliance.models.conditions import NUMBER_FIELDS as NUMBER_FIELDS
from compliance.models.conditions import NUMBER_SCALE as NUMBER_SCALE
from compliance.models.conditions import AccreditationCheck as AccreditationCheck
from compliance.models.conditions import Check as Check
from compliance.models.conditions import ItemCheck as ItemCheck

# The conditions a requirement states (checks on documents and on the machine) live in their own
# module; they are named here too, where every reader of a ruleset looks for them.
from compliance.models.conditions import Text as Text
from compliance.models.conditions import is_exact_at_scale as is_exact_at_scale
from compliance.models.conditions import scaled_limit as scaled_limit
from compliance.models.conditions import scaled_up as scaled_up
from compliance.models.vocab import Condition, CustomsProcedure, DocumentType, MachineType

Severity = Literal["blocking", "warning", "info"]
SourceConfidence = Literal["official", "official_summary", "reported", "anticipated"]


SourceKind = Literal["official_text", "official_summary", "trade_news_report", "standard"]


class Source(Model):
    """Where a rule was read: a reader without this repository can find it from these fields."""

    id: Identifier
    kind: SourceKind
    title: str
    issuer: str | None = None
    date: Date | None = None
    url: str | None = None
    confidence: Literal["official", "official_summary", "reported", "anticipated"]


class Citation(Model):
    """The instrument's provision a rule rests on, the source it was read from and the passage quoted."""

    source: Identifier
    #: The provision as the instrument numbers it (Art. 7(1)(b)); omitted where the source has none.
    locator: str | None = None
    #: The same provision as a Vietnamese reader cites it (Điều 7 khoản 1 điểm b).
    locator_vi: str | None = None
    #: The passage, word for word, at most about 25 words.
    quote: str

    @field_validator("quote")
    @classmethod
    def _quote(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the citation quotes nothing: quote the passage the rule rests on")
        return value


class Requirement(Model):
    id: Identifier
    title: Text
    action: Text
    citation: Citation
    severity: Severity = "blocking"
    documents: list[DocumentType] = Field(default_factory=empty_list)
    checks: list[Check] = Field(default_factory=empty_list)
    review_when: list[Check] = Field(default_factory=empty_list)
    review_reason: Text | None = None
    item_checks: list[ItemCheck] = Field(default_factory=empty_list)
    review_if_item_lacks: list[str] = Field(default_factory=empty_list)
    issuer: Text | None = None
    lead_time_weeks: int | None = Field(default=None, ge=0)
    #: The document is needed before loading (a pre-shipment inspection): its order-by date counts back
    #: from the shipment's departure date, where one is given.
    needed_by: Literal["arrival", "departure"] = "arrival"
    #: A point the rule's public text leaves open for every machine (Indonesia's age limits for machine
    #: tools): documents that satisfy the requirement still leave it to a person (review, with these
    #: words); missing or invalid documents stay unmet.
    open_question: Text | None = None

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
    citation: Citation | None = None
    #: Where the goods originate, where the rule covers only some origins (Decree 66/2024: the EU and the
    #: UK). Read from the item's country of manufacture, else the shipment's origin.
    origins: list[Country] | None = None
    #: HS code prefixes the team confirmed on the instrument's own lists; a machine whose code is not
    #: among them (or that states none) is left to a person with ``hs_unlisted_review``'s words. Like
    #: ``open_question``, this blocks a clear but softens no unmet requirement.
    hs_listed: list[str] | None = None
    hs_unlisted_review: Text | None = None
    #: A point the public text leaves open that blocks a clear but not a hold (the effective day of a
    #: regulation not confirmed, where the rules before it asked the same): the verdict is at least
    #: review, and unmet blocking requirements still hold.
    open_question: Text | None = None
    #: A scope the public text leaves open (an effective day not confirmed; whether used machines are
    #: covered): the version applies, but its verdict is at least review, with these words; for the
    #: machines of ``review_conditions`` only, where given.
    review: Text | None = None
    review_conditions: list[Condition] | None = None
    #: Rulesets that give some of these machines a route of their own (Decree 66/2024 for remanufactured
    #: goods): where one applies to the machine and clears it, this version does not apply; where it
    #: leaves the route to a person, this version applies with that open question.
    yields_to: list[Identifier] = Field(default_factory=empty_list)

    @model_validator(mode="after")
    def _hs_listed(self) -> Scope:
        if self.review_conditions is not None and self.review is None:
            raise ValueError("review_conditions needs review: the words for the open question")
        if self.hs_listed is not None and self.hs_unlisted_review is None:
            raise ValueError("hs_listed needs hs_unlisted_review: the words for a code not on the list")
        bad = [p for p in self.hs_listed or [] if not p.isdigit()]
        if bad:
            raise ValueError(f"hs_listed takes HS digits without dots ({bad})")
        return self


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


class Ruleset(Model):
    id: Identifier
    title: Text
    jurisdiction: str
    #: The instrument as a reader names it: "Circular 12/2026/TT-BCT, Ministry of ..., signed 2026-05-14".
    instrument: str
    #: The instrument as a Vietnamese reader names it ("Thông tư 12/2026/TT-BCT của Bộ Công Thương ...").
    instrument_vi: str | None = None
    sources: list[Source] = Field(min_length=1)
    source_confidence: SourceConfidence
    adopters: list[Country] = Field(default_factory=empty_list)
    #: How often the accreditation registry the ruleset relies on is renewed (VinaCert's directory:
    #: quarterly, 3). A verdict judged on a registry older than that carries a warning.
    registry_renewed_months: int | None = Field(default=None, ge=1)
    #: The ruleset judges a shipment's own papers (its invoice, its bill of lading), not a machine in
    #: stock: an inventory is not judged against it, and its answers say so under "not judged".
    shipment_only: bool = False
    versions: list[Version] = Field(min_length=1)

    @model_validator(mode="after")
    def _versions(self) -> Ruleset:
        names = [v.version for v in self.versions]
        if len(set(names)) != len(names):
            raise ValueError("two versions share a version name")
        problem = chain_problem(self.versions)
        if problem:
            raise ValueError(problem)
        ids = [s.id for s in self.sources]
        if len(set(ids)) != len(ids):
            raise ValueError("two sources share an id")
        for v in self.versions:
            cites = [r.citation for r in v.requirements] + ([v.scope.citation] if v.scope.citation else [])
            unknown = sorted({c.source for c in cites} - set(ids))
            if unknown:
                raise ValueError(
                    f"version {v.version}: citation source(s) {unknown} are not in sources ({', '.join(ids)})"
                )
        return self

    @functools.cached_property
    def canonical_json(self) -> str:
        """The ruleset as JSON with sorted keys, made once per loaded ruleset: the bundle's digest and
        the engine's key for compiled rules are both made of it (each dump costs about 0.3 ms)."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True)

    def law(self) -> list[Version]:
        """Versions that are law (not drafts), oldest first."""
        return sorted((v for v in self.versions if v.status != "draft"), key=lambda v: v.effective_from)

    def version_on(self, day: dt.date) -> Version | None:
        """The version in force on a day.

        A version is in force from its effective_from until the day before the next version takes
        effect, or to its own effective_to where the source gives an end. Drafts are only present when
        the caller loaded them (--drafts); then a draft replaces the version in force from its own date,
        and a draft never ends another version before that."""
        started = [v for v in self.versions if v.effective_from <= day]
        if not started:
            return None
        latest = max(started, key=lambda v: (v.effective_from, v.status == "draft"))
        if latest.effective_to is not None and day > latest.effective_to:
            return None
        return latest

    def next_version_after(self, day: dt.date) -> Version | None:
        """The first version that takes effect after a day."""
        later = sorted((v for v in self.versions if v.effective_from > day), key=lambda v: v.effective_from)
        return later[0] if later else None

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    def cite(self, citation: Citation, lang: str = "en") -> str:
        """A citation as a reader without this repository follows it: instrument, provision, the
        passage quoted (word for word, in the source's language), and the source it was read from.
        In Vietnamese the instrument and the provision are written as a Vietnamese reader cites them
        (Quyết định ..., Điều 7), where the ruleset gives those forms."""
        src = self.source(citation.source)
        vi = lang == "vi"
        locator = (citation.locator_vi if vi else None) or citation.locator
        where = f", {locator}" if locator else ""
        by = ", ".join(x for x in (src.issuer, src.date.isoformat() if src.date else None) if x)
        origin = f"{src.title} ({by})" if by else src.title
        instrument = (self.instrument_vi if vi else None) or self.instrument
        return f'{instrument}{where}: "{citation.quote}" ({"nguồn" if vi else "source"}: {origin})'

    def citation_text(self, citation: Citation) -> Cited:
        """The citation in whichever language it is read in; the words are made only when rendered
        (an inventory judges thousands of cases and renders no citation)."""
        return Cited(self, citation)


_CITED: dict[tuple[int, int, str], tuple[Ruleset, Citation, str]] = {}


@dataclass(frozen=True, eq=False)
class Cited:
    """A ruleset's citation, put in words per language on demand (it reads as the ruleset's `Text`)."""

    ruleset: Ruleset
    citation: Citation

    def get(self, lang: str) -> str:
        # Every report names each requirement's citation in each language: written once per ruleset
        # and citation object (both held in the entry, so their ids cannot be reused while it stands).
        key = (id(self.ruleset), id(self.citation), lang)
        found = _CITED.get(key)
        if found is None:
            if len(_CITED) >= 10_000:
                _CITED.clear()
            found = _CITED[key] = (self.ruleset, self.citation, self.ruleset.cite(self.citation, lang))
        return found[2]

    @property
    def translations(self) -> dict[str, str]:
        return {"en": self.get("en"), "vi": self.get("vi")}

    # Equal when they cite the same passage of the same ruleset (cheaper than comparing whole rulesets).
    def _key(self) -> tuple[str, str, str | None, str]:
        return (self.ruleset.id, self.citation.source, self.citation.locator, self.citation.quote)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cited) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


def rulesets_digest(rulesets: list[Ruleset]) -> str:
    """A content hash of the rulesets in use (as loaded: drafts in or out, ids chosen), so that a
    verdict can be traced to the exact rules it was judged by."""
    import hashlib

    # The JSON of the list of dumps, as json.dumps writes a list: "[a, b]".
    canonical = "[" + ", ".join(rs.canonical_json for rs in sorted(rulesets, key=lambda r: r.id)) + "]"
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def without_drafts(ruleset: Ruleset) -> Ruleset:
    """The ruleset as users get it by default: drafts do not exist for verdicts, upcoming or diff."""
    return ruleset.model_copy(update={"versions": [v for v in ruleset.versions if v.status != "draft"]})


def chain_problem(versions: list[Version]) -> str | None:
    """A gap or an overlap in the chain of versions that are law, in words; None when it is sound.

    Each version ends the day before the next one that is law; an effective_to that reaches into the
    next version overlaps it, one that stops short of it leaves a gap where no rule would be judged."""
    law = sorted((v for v in versions if v.status != "draft"), key=lambda v: v.effective_from)
    for earlier, later in zip(law, law[1:], strict=False):
        if earlier.effective_from == later.effective_from:
            return f"versions {earlier.version} and {later.version} take effect on the same day"
        end = earlier.effective_to
        if end is None:
            continue
        if end >= later.effective_from:
            return (
                f"versions {earlier.version} and {later.version} overlap: version {earlier.version} ends "
                f"{end.isoformat()}, version {later.version} starts {later.effective_from.isoformat()}"
            )
        if end + dt.timedelta(days=1) < later.effective_from:
            return (
                f"gap between versions: version {earlier.version} ends {end.isoformat()}, version "
                f"{later.version} starts {later.effective_from.isoformat()}"
            )
    return None
