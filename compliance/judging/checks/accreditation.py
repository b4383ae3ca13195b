"""The verifier's accreditation: listed in the registry, valid and neither suspended nor withdrawn on
the document's issue date, from an accepted body, with the scopes the rule needs."""

from __future__ import annotations

from compliance.judging.checks.base import (
    Alternative,
    Pattern,
    Witness,
    and_words,
    body_token,
    flag,
    flow,
    or_words,
    product,
)
from compliance.judging.facts import AccreditationLookup, DocumentFacts, ItemFacts
from compliance.language.i18n import N_
from compliance.language.phrases import Phrase, Template, join
from compliance.models.ruleset import AccreditationCheck, Check

NO_ISSUE_DATE = Template(
    "accreditation-no-issue-date",
    N_("gives no issue date, so its verifier's accreditation cannot be checked"),
)
NO_ACCREDITATION = Template("accreditation-not-named", N_("names no verifier accreditation"))
WRONG_BODY = Template("accreditation-wrong-body", N_("was granted by {body}, but the rule requires {bodies}"))
LACKS_SCOPE = Template("accreditation-lacks-scope", N_("lacks scope {scopes}"))
NO_SCOPE = Template("accreditation-no-scope", N_("has none of the scopes {scopes}"))
ACCREDITATION_LACKS = Template("accreditation-unfit", N_("accreditation {id} {reasons}"))


def _exclusive(flags: list[str]) -> list[list[Pattern]]:
    """ "Any of these flags" as mutually exclusive alternatives: the k-th holds flag k and none before."""
    return [[{f: True}, *({"$nex": {g: 1}} for g in flags[:k])] for k, f in enumerate(flags)]


def matches(spec: AccreditationCheck, acc: AccreditationLookup) -> bool:
    """Whether one accreditation supports the document for this rule."""
    if not acc.found or not acc.valid_on_issue:
        return False
    if spec.bodies is not None and (acc.body or "").strip().casefold() not in {
        b.strip().casefold() for b in spec.bodies
    }:
        return False
    if not set(spec.scopes) <= set(acc.scopes):
        return False
    return not (spec.scopes_any and not set(spec.scopes_any) & set(acc.scopes))


class Accreditation:
    name = "accreditation"

    def alternatives(self, check: Check) -> list[Alternative]:
        spec = check.accreditation
        assert spec is not None
        base: list[Pattern] = [
            {"doc_id": {"d": "doc_id"}},
            {"$lte": {"valid_from": {"d": "issued"}}},
            {"$gte": {"valid_until": {"d": "issued"}}},
            # Not suspended or withdrawn on the issue date, sent as one number (no "$or" needed).
            {"$gt": {"active_before": {"d": "issued"}}},
            {"kind": "acc"},
            *({flag("scope", s): True} for s in spec.scopes),
        ]
        acc = [base]
        if spec.bodies is not None:
            acc = product(acc, [[{"body": b}] for b in dict.fromkeys(body_token(b) for b in spec.bodies)])
        if spec.scopes_any:
            acc = product(acc, _exclusive([flag("scope", s) for s in dict.fromkeys(spec.scopes_any)]))
        return [([{"$gt": {"issued": 0}}], [], a) for a in acc]

    def flags(self, check: Check) -> dict[str, set[str]]:
        spec = check.accreditation
        assert spec is not None
        return {"scope": {*spec.scopes, *spec.scopes_any}}

    def witnesses(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> list[Witness]:
        spec = check.accreditation
        assert spec is not None
        if doc.doc.issued is None:
            return []
        return [a.id for a in doc.accreditations if matches(spec, a)]

    def problem(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> Phrase:
        spec = check.accreditation
        assert spec is not None
        if doc.doc.issued is None:
            return NO_ISSUE_DATE()
        if not doc.accreditations:
            return NO_ACCREDITATION()
        out: list[Phrase] = []
        for acc in doc.accreditations:
            if acc.problem:
                out.append(acc.problem)
                continue
            reasons: list[Phrase] = []
            if spec.bodies is not None and (acc.body or "").casefold() not in {
                b.casefold() for b in spec.bodies
            }:
                reasons.append(WRONG_BODY(body=acc.body or "", bodies=or_words(list(spec.bodies))))
            lacking = [s for s in spec.scopes if s not in acc.scopes]
            if lacking:
                reasons.append(LACKS_SCOPE(scopes=", ".join(lacking)))
            if spec.scopes_any and not set(spec.scopes_any) & set(acc.scopes):
                reasons.append(NO_SCOPE(scopes=", ".join(spec.scopes_any)))
            out.append(ACCREDITATION_LACKS(id=acc.id, reasons=and_words(reasons)))
        return join(out, "; ")

    def seen(self, check: Check, doc: DocumentFacts, facts: ItemFacts) -> str:
        spec = check.accreditation
        assert spec is not None
        wanted = " or ".join(spec.bodies) if spec.bodies is not None else "any body"
        if spec.scopes:
            wanted += f", scopes {flow(spec.scopes)}"
        if spec.scopes_any:
            wanted += f", any of scopes {flow(spec.scopes_any)}"
        if not doc.accreditations:
            return f"required {wanted}; the document names no accreditation"
        parts = []
        for a in doc.accreditations:
            if not a.found:
                parts.append(f"{a.id}: not in the registry")
                continue
            on_issue = "valid" if a.valid_on_issue else f"NOT valid ({a.problem})"
            parts.append(
                f"{a.id}: body found {a.body}, body required {wanted}; scopes {flow(list(a.scopes))}; "
                f"on the issue date {doc.doc.issued}: {on_issue}"
            )
        return "; ".join(parts)

    def lint(self, check: Check, where: str) -> list[str]:
        spec = check.accreditation
        if spec is not None and spec.bodies == []:
            return [
                f"{where}: accreditation bodies is empty, so no accreditation can ever support a document"
            ]
        return []


KINDS = (Accreditation(),)
