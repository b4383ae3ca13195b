"""What the engine evaluates, and the raw answers it gives, independent of any engine.

A program is the ruleset versions selected for one run. An answer says that one rule held for one
item: a document was offered for a requirement, none was, a document passed one check, or the item
passed one of its own checks. The verdicts are built from answers alone; a check that has no answer
failed. So an answer lost by the engine would turn into a wrong verdict, which is why ``verify``
proves, item by item, that the engine answered exactly what it had to.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.judging.facts import ItemFacts
from compliance.models.errors import EngineIntegrityError
from compliance.models.ruleset import Requirement, Ruleset, Version

SENTINEL = "$sentinel"
OFFERED = "offered"
MISSING = "missing"
NOT_FUTURE = "not_future"
NOT_EXPIRED = "not_expired"


@dataclass(frozen=True)
class Answer:
    """One rule that held: ``kind`` is offered, missing, not_future, not_expired, c<j>, r<k> or i<j>."""

    key: str
    kind: str
    document: str | None = None
    accreditation: str | None = None


@dataclass(frozen=True)
class Program:
    versions: tuple[tuple[Ruleset, Version], ...]

    def requirements(self) -> list[tuple[str, Requirement]]:
        return [(requirement_key(rs, v, r), r) for rs, v in self.versions for r in v.requirements]


def requirement_key(ruleset: Ruleset, version: Version, requirement: Requirement) -> str:
    return f"{ruleset.id}@{version.version}/{requirement.id}"


def verify(program: Program, facts: ItemFacts, answers: list[Answer]) -> frozenset[Answer]:
    """Prove the answers complete and unique for this item, or raise EngineIntegrityError."""
    item = facts.item.id
    seen: set[Answer] = set()
    for a in answers:
        if a in seen:
            raise EngineIntegrityError(f"item {item}: the engine gave the answer {a} twice")
        seen.add(a)
    sentinels = [a for a in answers if a.key == SENTINEL]
    if len(sentinels) != 1:
        raise EngineIntegrityError(
            f"item {item}: the engine did not evaluate the item (sentinel fired {len(sentinels)}x)"
        )
    known = {SENTINEL}
    for key, req in program.requirements():
        known.add(key)
        mine = [a for a in answers if a.key == key]
        if not req.documents:
            stray = [a for a in mine if not a.kind.startswith("i")]
            if stray:
                raise EngineIntegrityError(f"item {item}: unexpected answers {stray} for {key}")
            continue
        expected = {d.doc.id for d in facts.documents if d.doc.type in req.documents}
        offered = {a.document for a in mine if a.kind == OFFERED}
        missing = [a for a in mine if a.kind == MISSING]
        if offered != expected:
            raise EngineIntegrityError(
                f"item {item}: {key} should have been offered {sorted(expected)}, the engine saw {sorted(map(str, offered))}"
            )
        if len(missing) != (0 if expected else 1):
            raise EngineIntegrityError(f"item {item}: {key} got {len(missing)} 'missing' answers")
        for a in mine:
            if a.kind not in (OFFERED, MISSING) and a.document not in expected:
                raise EngineIntegrityError(f"item {item}: {key} answered {a} for a document not offered")
    unknown = [a for a in answers if a.key not in known]
    if unknown:
        raise EngineIntegrityError(f"item {item}: answers for rules not in the program: {unknown[:3]}")
    return frozenset(seen)
