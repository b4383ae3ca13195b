"""What the rulesets in force on a day read, found once per day on their compiled rules.

Judging an inventory by parts (`compliance.inventory.parts`) shares a part between machines, documents
and days alike in everything the part reads; what it reads is found here, on the rules themselves, so
that a field or a reading of the day a ruleset starts to use can never be left out by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compliance.judging.compiler import day_reads, item_reads_of_document_rules
from compliance.judging.program import NOT_EXPIRED, NOT_FUTURE, Program, requirement_key
from compliance.models.ruleset import ITEM_FIELDS, Ruleset, Version


@dataclass(frozen=True)
class Plan:
    """The rulesets in force on a day, and the engine program that judges them."""

    versions: tuple[tuple[int, Ruleset, Version], ...]
    program: Program
    #: Per requirement key, the item fields its document rules read.
    reads: dict[str, tuple[str, ...]]
    #: Per (ruleset index, requirement index), the item fields its result reads.
    fields: dict[tuple[int, int], tuple[str, ...]]
    #: Every item field any requirement's result reads (a row's shape holds their values).
    item_fields: tuple[str, ...]
    #: Requirement keys whose rules read the day only by comparing it with a document's issue date and
    #: end of validity: their answers for a document are shared by the days alike in those two.
    day_free: frozenset[str]
    #: Whether the rules read the day only by comparing it with documents' issue dates and ends of
    #: validity, or through the machine's calendar age. Then a machine's verdicts on two days with the
    #: same versions in force are the same wherever its documents' dates (issue, end of validity,
    #: start of validity) compare alike with both days and the scopes' age answers and its calendar
    #: age are the same: nothing else that decides a status reads the day (the day in words, lapsed
    #: accreditations and the registry's age are words and warnings, which decide no status).
    dated_only: bool


def plan_on(rulesets: list[Ruleset], day: dt.date) -> Plan:
    """The rulesets in force on the day, their engine program, and what their rules read."""
    versions = tuple((i, rs, v) for i, rs in enumerate(rulesets) if (v := rs.version_on(day)) is not None)
    program = Program(tuple((rs, v) for _, rs, v in versions))
    # Which item fields each requirement's document rules read: its answers are judged once
    # for all machines alike in these.
    reads: dict[str, tuple[str, ...]] = {}
    for key, found in item_reads_of_document_rules(program).items():
        extra = found - {"kind", "as_of", *ITEM_FIELDS}
        if extra:
            raise AssertionError(f"{key}: document rules read item facts {sorted(extra)}")
        reads[key] = tuple(sorted(found & ITEM_FIELDS))
    # What a requirement's result reads of the machine: the fields its rules read, and those
    # its checks name (a check's problem and "the item does not state its ..." read them).
    fields: dict[tuple[int, int], tuple[str, ...]] = {}
    for index, rs, v in versions:
        for j, req in enumerate(v.requirements):
            named = {f for c in [*req.checks, *req.review_when] for f in c.item_one_of or {}}
            named |= set(req.review_if_item_lacks)
            fields[index, j] = tuple(sorted(named | set(reads[requirement_key(rs, v, req)])))
    item_fields = tuple(sorted({f for named in fields.values() for f in named}))
    free, dated_only = _day_free(program)
    return Plan(versions, program, reads, fields, item_fields, free, dated_only)


def _day_free(program: Program) -> tuple[frozenset[str], bool]:
    """The requirements whose rules read the day only as the not-future and not-expired rules do
    (``issued <= as_of``, ``valid_until >= as_of``), found on the compiled rules; an age check or any
    other reading of the day keeps a requirement's answers per day. And whether every rule that reads
    the day reads it so, or through the machine's calendar age only (`Plan.dated_only`)."""
    reads = day_reads(program)
    free = frozenset(
        key
        for key, req in program.requirements()
        if not req.item_checks and set(reads[key]) <= {NOT_FUTURE, NOT_EXPIRED}
    )
    dated_only = all(
        kind in (NOT_FUTURE, NOT_EXPIRED) or facts <= {"calendar_age"}
        for kinds in reads.values()
        for kind, facts in kinds.items()
    )
    return free, dated_only


def dated_on(value: dt.date | None, day: dt.date, before: bool) -> bool | None:
    """A document date against the day as the engine compares them (None: the document states none)."""
    if value is None:
        return None
    return value <= day if before else value >= day
