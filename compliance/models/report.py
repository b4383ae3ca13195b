"""The result of a check: one immutable model that every renderer reads.

Sentences (messages, reasons, problems, warnings, and the ruleset's titles and actions) are
:class:`~compliance.language.phrases.Phrase` objects when judged: codes and parameters, in no language.
A renderer first localizes the report (`compliance.render.words.localize`), which puts each sentence's
words in their place; hence the type ``Words``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from compliance.language.phrases import Phrase
from compliance.models.common import empty_list

Status = Literal["satisfied", "missing", "invalid", "failed", "review"]
Severity = Literal["blocking", "warning", "info"]
Verdict = Literal["clear", "review", "hold"]
#: The statuses of a requirement that is not met: a blocking one holds the item.
UNMET: frozenset[str] = frozenset({"missing", "invalid", "failed"})

#: A sentence: a phrase when judged, its words once localized for a renderer.
Words = Phrase | str

VERDICT_RANK: dict[str, int] = {"clear": 0, "review": 1, "hold": 2}


def worst(verdicts: list[Verdict]) -> Verdict:
    """hold > review > clear; nothing to judge is clear."""
    result: Verdict = "clear"
    for v in verdicts:
        if VERDICT_RANK[v] > VERDICT_RANK[result]:
            result = v
    return result


class Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocumentTrial(Result):
    """One document offered for a requirement, and what it lacked."""

    document: str
    document_type: str
    status: Literal["satisfied", "review", "invalid"]
    problems: list[Words] = Field(default_factory=empty_list)


class AppliedDecision(Result):
    """A person's decision that settled this requirement (from a decisions file or the service)."""

    id: str
    outcome: Literal["accept", "reject"]
    decided_by: str
    approved_by: str
    reason: str
    reference: str
    decided_on: str
    expires: str


class RequirementResult(Result):
    id: str
    status: Status
    severity: Severity
    document_type: str | None
    documents: list[str]
    message: Words
    citation: Words
    warnings: list[Words] = Field(default_factory=empty_list)
    title: Words
    action: Words
    document_types: list[str] = Field(default_factory=empty_list)
    issuer: Words | None = None
    lead_time_weeks: int | None = None
    #: When the document must be in hand: on arrival, or before loading (departure).
    needed_by: Literal["arrival", "departure"] = "arrival"
    trials: list[DocumentTrial] = Field(default_factory=empty_list)
    #: Stable across runs (ruleset, requirement, serial number or shipment line, destination): what
    #: decisions, history and diffs refer to.
    fingerprint: str | None = None
    #: The decision that settled a review, if one did (the status follows it).
    decision: AppliedDecision | None = None


class RulesetResult(Result):
    ruleset: str
    version: str
    applies: bool
    verdict: Verdict | None = None
    reason: Words | None = None
    title: Words = ""
    source_confidence: str = ""
    requirements: list[RequirementResult] = Field(default_factory=empty_list)
    #: Where the ruleset's scope is cited (shown on a review row when applicability is uncertain).
    citation: Words | None = None


class Finding(Result):
    id: str
    status: Status
    severity: Severity
    message: Words
    citation: str | None = None


class ItemResult(Result):
    item_id: str
    verdict: Verdict
    findings: list[Finding]
    rulesets: list[RulesetResult]
    description: str | None = None
    machine_type: str = ""
    condition: str = ""
    manufactured: str = ""
    container: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    serial_number: str | None = None
    hs_code: str | None = None
    quantity: int = 1


class MissingDocument(Result):
    item_id: str
    ruleset: str
    requirement: str
    document_type: str | None
    status: Status
    severity: Severity
    document_types: list[str] = Field(default_factory=empty_list)


class ObtainFor(Result):
    """One item a document to obtain must cover, and where that item stands without it."""

    item_id: str
    status: Status
    severity: Severity


class DocumentToObtain(Result):
    """One document a broker must obtain (or have fixed), with every item it must cover.

    Grouped by ruleset requirement: two rulesets asking for the same document type set different
    conditions (a VinaCert verification for Circular 12, an ISO 14067 statement for the joint
    guidelines), so each is its own line on the checklist."""

    ruleset: str
    requirement: str
    document_type: str | None
    document_types: list[str]
    title: Words
    action: Words
    citation: Words
    severity: Severity
    issuer: Words | None = None
    lead_time_weeks: int | None = None
    #: The arrival date less the usual lead time (ISO date); none when the ruleset gives no lead time.
    order_by: str | None = None
    #: The day the document must be in hand (arrival, or departure for documents needed before loading).
    needed_by: str | None = None
    #: Other lines asking for the same document type for some of the same items (ruleset/requirement):
    #: one document can satisfy them all when it meets every rule's conditions.
    same_document_as: list[str] = Field(default_factory=empty_list)
    #: The order-by date had passed on the day the report was produced; none when that day is unknown.
    late: bool | None = None
    items: list[ObtainFor]


class Upcoming(Result):
    ruleset: str
    version: str
    effective_from: str
    item_id: str
    would_be: Verdict


class ContainerResult(Result):
    container: str
    verdict: Verdict
    items: list[str]


class RulesetInfo(Result):
    id: str
    version: str | None
    title: Words
    source_confidence: str
    status: str | None = None


class JudgedRuleset(Result):
    """A ruleset version judged for a destination on the as-of day."""

    ruleset: str
    version: str
    source_confidence: str
    title: Words


class NotJudgedTopic(Result):
    """What no ruleset in use judges (tariff and duties, licences, ...): data kept beside the rulesets."""

    id: str
    text: Words


class Coverage(Result):
    """What an answer for one destination covers, and what it does not: a clear is a clear of the
    rulesets named here, never a promise that the goods will clear customs."""

    destination: str
    as_of: str
    judged: list[JudgedRuleset]
    not_judged: list[NotJudgedTopic]


class RegistryInfo(Result):
    """An accreditation registry file the verdicts rest on, and the day it says it was published."""

    source: str
    published: str | None = None


#: Sentence fields that carry findings: the JSON result puts each one's code and parameters beside it.
FINDING_FIELDS = frozenset({"message", "reason", "problems", "warnings"})

_CODED = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "params": {"type": "object"}},
    "required": ["code", "params"],
}


class Report(Result):
    shipment_id: str
    as_of: str
    verdict: Verdict
    items: list[ItemResult]
    missing_documents: list[MissingDocument]
    upcoming: list[Upcoming]
    containers: list[ContainerResult] | None = None
    origin: str = ""
    destination: str = ""
    arrival_date: str = ""
    departure_date: str | None = None
    #: The arrival date lies before the day the report was produced (said at the top of the report).
    arrival_passed: bool | None = None
    tender: dict[str, str | None] | None = None
    rulesets: list[RulesetInfo] = Field(default_factory=empty_list)
    registry_sources: list[str] = Field(default_factory=empty_list)
    #: Each registry file with its publication day (none where the file states none).
    registries: list[RegistryInfo] = Field(default_factory=empty_list)
    registry_is_sample: bool = False
    #: Per destination: the rulesets judged and what no ruleset in use judges.
    coverage: list[Coverage] = Field(default_factory=empty_list)
    warnings: list[Words] = Field(default_factory=empty_list)
    tool_version: str = ""
    #: SHA-256 of the rulesets the report was judged by (as `compliance --version` prints it).
    rulesets_sha256: str = ""
    exporter: str | None = None
    importer: str | None = None
    vessel: str | None = None
    #: When the report was produced (ISO 8601, UTC, seconds); none when the caller gave no time.
    produced_at: str | None = None
    #: The language of every sentence in the report (ids and codes stay as they are).
    lang: str = "en"
    documents_to_obtain: list[DocumentToObtain] = Field(default_factory=empty_list)
    #: Who prepared the checklist (the broker's company and contact), as the caller gives it.
    prepared_by: str | None = None
    #: Decisions that settled a requirement in this report, and those that matched nothing.
    decisions_applied: list[str] = Field(default_factory=empty_list)
    decisions_unused: list[str] = Field(default_factory=empty_list)


def result_schema() -> dict[str, Any]:
    """The JSON Schema of the result as written: the model's, plus each finding sentence's code and
    parameters (``message_code``, ``message_params``; ``problems_codes`` for a list of sentences)."""
    schema = Report.model_json_schema()
    for model in (DocumentTrial, RequirementResult, RulesetResult, Finding, Report):
        target = schema if model is Report else schema["$defs"][model.__name__]
        props = target["properties"]
        for name in [n for n in model.model_fields if n in FINDING_FIELDS]:
            if props[name].get("type") != "array":
                props[f"{name}_code"] = {"type": "string", "description": f"The code of the {name} sentence."}
                props[f"{name}_params"] = {
                    "type": "object",
                    "description": f"The parameters of the {name} sentence.",
                }
            props[f"{name}_codes"] = {
                "type": "array",
                "items": _CODED,
                "description": f"The code and parameters of each finding in {name}.",
            }
    return schema
