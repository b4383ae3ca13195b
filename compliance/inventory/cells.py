"""The words of an inventory row's cells, one part at a time.

Both ways of judging a row (a one-item ``check`` per row, and judging by parts) put their results in
words here, so that the two cannot drift apart. The inventory's reasons are in English, the language
of its column names."""

from __future__ import annotations

from compliance.language.phrases import Phrase
from compliance.models.report import Coverage, Finding, MissingDocument, RequirementResult


def en(phrase: Phrase | str) -> str:
    from compliance.render.words import words

    return words(phrase, "en").strip()


def finding_cell(finding: Finding) -> str:
    return f"{finding.id}: {en(finding.message)}"


def reason_cell(ruleset: str, reason: Phrase | str) -> str:
    """Why a ruleset that applies leaves the item to a person (an open scope question)."""
    return f"{ruleset}: {en(reason)}"


def requirement_cell(ruleset: str, req: RequirementResult) -> str | None:
    """A requirement the row must show: unmet or open and blocking, or resting on a person's decision."""
    if req.status != "satisfied" and req.severity == "blocking":
        return f"{ruleset}/{req.id} {req.status}: {en(req.message)}"
    if req.decision is not None:  # a verdict resting on a person's decision says so
        d = req.decision
        return f"{ruleset}/{req.id} {req.status}: decision {d.id} ({d.outcome}) until {d.expires}"
    return None


def missing_cell(missing: MissingDocument) -> str | None:
    """The documents to obtain for a blocking requirement (none for an advisory one)."""
    if missing.severity != "blocking":
        return None
    types = " or ".join(missing.document_types) or missing.document_type
    return f"{types} ({missing.ruleset}/{missing.requirement}, {missing.status})"


def coverage_cells(cov: Coverage) -> tuple[str, str]:
    """What a destination's verdicts cover, in English like every inventory cell: the rulesets judged
    (id and version), and what no ruleset judges."""
    from compliance.render.words import words

    judged = ", ".join(f"{j.ruleset} v{j.version}" for j in cov.judged) or "no ruleset in force"
    not_judged = "; ".join(
        words(t.text, "en") if isinstance(t.text, Phrase) else t.text for t in cov.not_judged
    )
    return judged, not_judged
