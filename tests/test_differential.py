"""The durable-rules evaluation against an independent plain-Python reading of the same rulesets.

Hypothesis generates manifests that hit the rulesets' edges (types, ages, stages, accreditations,
dates, tenders, procedures); any difference in a single answer or in the final report fails.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from strategies import manifests

from compliance.api import check
from compliance.judging.engine import DurableEvaluator
from compliance.judging.facts import derive
from compliance.judging.program import Program
from compliance.judging.reference import ReferenceEvaluator
from compliance.models.manifest import Manifest
from compliance.reading.inputs import load_rulesets

WITH_DRAFTS = load_rulesets(drafts=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=manifests())
def test_engine_answers_match_plain_python(m: Manifest, registry) -> None:
    facts = derive(m, registry, m.shipment.arrival_date)
    program = Program(tuple((rs, v) for rs in WITH_DRAFTS for v in rs.versions))
    durable, plain = DurableEvaluator(), ReferenceEvaluator()
    for item_facts in facts.items:
        assert durable.evaluate(program, item_facts) == plain.evaluate(program, item_facts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(m=manifests())
def test_reports_match_and_every_item_gets_a_verdict(m: Manifest, rulesets, registry) -> None:
    a = check(m, rulesets, registry, evaluator=DurableEvaluator())
    b = check(m, rulesets, registry, evaluator=ReferenceEvaluator())
    assert a == b
    assert [i.item_id for i in a.items] == [i.id for i in m.items]
    assert all(i.verdict in ("clear", "review", "hold") for i in a.items)
