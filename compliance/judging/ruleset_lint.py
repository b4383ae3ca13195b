"""What makes a ruleset unusable whatever its test cases say: text without Vietnamese, conditions that
can never hold, scopes that can never apply, citations a reader cannot follow.

Used by `rulesets lint` and when rulesets load for `check` and `inventory`: a ruleset that lint refuses
never judges a shipment."""

from __future__ import annotations

import re

from compliance.judging.checks import kind_of
from compliance.models.ruleset import ITEM_FIELDS, Check, Citation, Ruleset

Loc = tuple[str | int, ...]
#: (where in the file, what it is, what is wrong)
StaticProblem = tuple[Loc, str, str]


def _check_problems(check: Check, documents: list[str], where: str) -> list[str]:
    out: list[str] = []
    if check.for_types is not None:
        stray = [t.value for t in check.for_types if t.value not in documents]
        if stray:
            out.append(
                f"{where}: for_types {stray} names document types the requirement never accepts, so it never applies"
            )
    return out + kind_of(check).lint(check, where)


#: A quotation is a passage a reader can find, not the whole text: "at most about 25 words".
MAX_QUOTE_WORDS = 25


def citation_problems(citation: Citation) -> list[str]:
    """What makes a citation unusable for a reader outside this repository."""
    out: list[str] = []
    words = citation.quote.split()
    if not words:
        out.append("the citation quotes nothing")
    elif len(words) > MAX_QUOTE_WORDS:
        out.append(
            f"the quotation is {len(words)} words; quote at most {MAX_QUOTE_WORDS} words a reader can find"
        )
    text = f"{citation.locator or ''} {citation.quote}"
    if re.search(r"\.(txt|ya?ml|json|md)\b|shared/|seeds?\b|para\.", text, re.IGNORECASE):
        out.append("the citation names a file or a paragraph number a reader cannot count")
    return out


def static_problems(ruleset: Ruleset) -> list[StaticProblem]:
    """Every problem of a ruleset that needs no test case to see."""
    problems: list[StaticProblem] = []

    def add(loc: Loc, where: str, message: str) -> None:
        problems.append((loc, where, message))

    if not ruleset.title.vi:
        add(("title",), "title", "no Vietnamese text (vi)")
    # Gaps and overlaps in the chain of versions that are law are refused by the model itself, so that a
    # ruleset lint refuses never loads for check or inventory either.
    for si, src in enumerate(ruleset.sources):
        if src.kind != "trade_news_report" and not src.url:
            add(("sources", si), f"source {src.id}", "no public URL: give one where the source is public")
    for vi, version in enumerate(ruleset.versions):
        scope = version.scope
        for name in ("destinations", "machine_types", "conditions"):
            if getattr(scope, name) == []:
                add(
                    ("versions", vi, "scope", name),
                    f"version {version.version} scope",
                    f"{name} is empty: the ruleset can never apply",
                )
        if scope.citation is not None:
            for message in citation_problems(scope.citation):
                add(("versions", vi, "scope", "citation"), f"version {version.version} scope", message)
        if not scope.procedures:
            add(
                ("versions", vi, "scope"),
                f"version {version.version} scope",
                "no customs procedure: the ruleset can never apply",
            )
        for ri, req in enumerate(version.requirements):
            where = f"version {version.version} requirement {req.id}"
            loc = ("versions", vi, "requirements", ri)
            for message in citation_problems(req.citation):
                add((*loc, "citation"), where, message)
            for name in ("title", "action", "issuer"):
                text = getattr(req, name)
                if text is not None and not text.vi:
                    add((*loc, name), where, f"{name} has no Vietnamese text (vi)")
            for kind, checks in (("checks", req.checks), ("review_when", req.review_when)):
                for ci, c in enumerate(checks):
                    for message in _check_problems(c, [d.value for d in req.documents], f"{kind}[{ci}]"):
                        add((*loc, kind, ci), where, message)
            for f in req.review_if_item_lacks:
                if f not in ITEM_FIELDS:
                    add((*loc, "review_if_item_lacks"), where, f"unknown item field '{f}'")

    return problems
