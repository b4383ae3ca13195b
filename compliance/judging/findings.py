"""Item-level findings that belong to no ruleset: an HS code that does not fit the declared machine
type, and a destination no ruleset in use covers (never a silent clear)."""

from __future__ import annotations

from typing import Literal

from compliance.judging.facts import ItemFacts
from compliance.language.i18n import N_
from compliance.language.phrases import Template, word
from compliance.models.report import UNMET, Finding, Verdict
from compliance.models.vocab import HS_PREFIXES

HS_MISMATCH = Template(
    "hs-classification",
    N_(
        "classification inconsistent: HS {code} is not a heading for {type} (usual: {usual}); "
        "check the declared type and code with the broker"
    ),
)
NOT_COVERED = Template(
    "destination-not-covered",
    N_(
        "no ruleset covers imports into {country}: this answer says nothing about its import rules; "
        "check that country's requirements with a broker there"
    ),
)


def hs_finding(facts: ItemFacts) -> list[Finding]:
    """The item-level HS heading / machine type consistency check."""
    if facts.hs_fits_type is not False:
        return []
    item = facts.item
    usual = ", ".join(p[:4] + "." + p[4:] if len(p) > 4 else p for p in HS_PREFIXES[item.machine_type])
    return [
        Finding(
            id="hs-classification",
            status="review",
            severity="blocking",
            message=HS_MISMATCH(
                code=item.hs_code or "", type=word("machine_type", item.machine_type.value), usual=usual
            ),
            citation=HS_CITATION,
        )
    ]


HS_CITATION = (
    "Harmonized Commodity Description and Coding System (World Customs Organization), headings 84.56 to 84.65: "
    "machine tools, by kind of machine"
)


def destination_finding(destination: str) -> Finding:
    """No ruleset in use covers the destination: never a silent clear."""
    return Finding(
        id="destination-not-covered",
        status="review",
        severity="blocking",
        message=NOT_COVERED(country=destination),
        citation=None,
    )


def finding_verdict(findings: list[Finding]) -> list[Verdict]:
    out: list[Verdict] = []
    for f in findings:
        if f.severity != "blocking":
            continue
        level: Literal["hold", "review", "clear"] = (
            "hold" if f.status in UNMET else "review" if f.status == "review" else "clear"
        )
        out.append(level)
    return out
