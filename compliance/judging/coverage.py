"""What an answer covers: the ruleset versions judged for the destination on the day, and what no
ruleset in use judges. A clear is a clear of the rulesets named, never "will clear customs"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from compliance.judging.applicability import speaks_of_destination
from compliance.language.phrases import text
from compliance.models.coverage import Topic
from compliance.models.report import Coverage, JudgedRuleset, NotJudgedTopic
from compliance.models.ruleset import Ruleset


def coverage(
    rulesets: Sequence[Ruleset],
    destination: str,
    day: dt.date,
    topics: Sequence[Topic],
    *,
    tender: bool = False,
) -> Coverage:
    """The versions in force on ``day`` that speak of imports into ``destination`` (a tender ruleset
    when the shipment declares a tender), and the topics no ruleset judges there."""
    judged: list[JudgedRuleset] = []
    for rs in rulesets:
        v = rs.version_on(day)
        if v is None or not speaks_of_destination(v, destination, tender=tender):
            continue
        judged.append(
            JudgedRuleset(
                ruleset=rs.id, version=v.version, title=text(rs.title),
                source_confidence=v.source_confidence or rs.source_confidence,
            )
        )  # fmt: skip
    return Coverage(
        destination=destination,
        as_of=day.isoformat(),
        judged=judged,
        not_judged=[
            NotJudgedTopic(id=t.id, text=text(t.text))
            for t in topics
            if t.concerns(destination, {j.ruleset for j in judged})
        ],
    )
