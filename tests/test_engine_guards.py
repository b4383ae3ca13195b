"""The engine adapter's guards: a lost, duplicated or invented answer becomes an error, never a verdict."""

from __future__ import annotations

import pytest
from helpers import ce, item, lca_report, manifest

from compliance.api import check
from compliance.judging.engine import DurableEvaluator
from compliance.judging.facts import derive
from compliance.judging.program import MISSING, OFFERED, SENTINEL, Answer, Program, verify
from compliance.models.errors import EngineIntegrityError


def setup(rulesets, registry, documents):
    m = manifest(items=[item()], documents=documents)
    facts = derive(m, registry, m.shipment.arrival_date).items[0]
    program = Program(tuple((rs, rs.versions[0]) for rs in rulesets))
    return m, facts, program


def test_real_answers_pass(rulesets, registry):
    _, facts, program = setup(rulesets, registry, [lca_report(), ce()])
    answers = DurableEvaluator().evaluate(program, facts)
    assert Answer(SENTINEL, SENTINEL) in answers


@pytest.mark.parametrize(
    "fault", ["drop-offered", "drop-sentinel", "duplicate", "invent", "missing-and-offered"]
)
def test_faults_are_caught(rulesets, registry, fault):
    _, facts, program = setup(rulesets, registry, [lca_report(), ce()])
    answers = list(DurableEvaluator().evaluate(program, facts))
    key = "vn-circular-12-2026@1/lca-report"
    if fault == "drop-offered":
        answers = [a for a in answers if not (a.key == key and a.kind == OFFERED)]
    elif fault == "drop-sentinel":
        answers = [a for a in answers if a.key != SENTINEL]
    elif fault == "duplicate":
        answers.append(answers[0])
    elif fault == "invent":
        answers.append(Answer("no-such-ruleset@1/x", OFFERED, "CFP"))
    else:
        answers.append(Answer(key, MISSING))
    with pytest.raises(EngineIntegrityError):
        verify(program, facts, answers)


def test_an_exception_in_a_rule_action_is_an_error_not_a_verdict(rulesets, registry, monkeypatch):
    # A rule action that raises inside durable's action machinery: the run fails, no verdict is built.
    import compliance.judging.compiler

    m, _, _ = setup(rulesets, registry, [lca_report()])

    def failing(*args, **kwargs):
        raise RuntimeError("action failed")

    # The rules' actions are made by the compiler: each records an Answer.
    monkeypatch.setattr(compliance.judging.compiler, "Answer", failing)
    with pytest.raises(EngineIntegrityError):
        check(m, rulesets, registry, evaluator=DurableEvaluator())
    monkeypatch.undo()
    # The engine keeps working afterwards.
    assert check(m, rulesets, registry, evaluator=DurableEvaluator()).items


def test_dropped_answers_are_an_error_not_a_verdict(rulesets, registry, monkeypatch):
    m, _, _ = setup(rulesets, registry, [lca_report()])

    class Broken(DurableEvaluator):
        def evaluate(self, program, facts):
            answers = super().evaluate(program, facts)
            return verify(program, facts, [a for a in answers if a.kind != OFFERED])

    with pytest.raises(EngineIntegrityError):
        check(m, rulesets, registry, evaluator=Broken())


def test_engine_keeps_working_after_many_items(rulesets, registry):
    # More items than durable's 1,024 live sessions: each session is deleted after its item.
    m = manifest(items=[item(id=f"L{i}") for i in range(1100)], documents=[lca_report()])
    report = check(m, rulesets, registry)
    assert len(report.items) == 1100
    assert {i.verdict for i in report.items} == {"hold"}


def test_a_program_larger_than_one_engine_ruleset_is_judged_in_shards(registry) -> None:
    """durable refuses a ruleset of more than about 256 rules joining the item (error 108): every
    version of every shipped ruleset, drafts included, is more than that, and is judged in shards
    that each hold a whole version, with the same answers as the plain-Python reading."""
    from helpers import item, manifest

    from compliance.judging.compiler import SHARD_RULES, rule_count, shards
    from compliance.judging.engine import DurableEvaluator
    from compliance.judging.facts import derive
    from compliance.judging.program import Program
    from compliance.judging.reference import ReferenceEvaluator
    from compliance.reading.inputs import load_rulesets

    everything = Program(tuple((rs, v) for rs in load_rulesets(drafts=True) for v in rs.versions))
    assert rule_count(everything) > 256
    parts = shards(everything)
    assert len(parts) >= 2
    assert all(rule_count(p) <= SHARD_RULES for p in parts)
    assert [v for p in parts for v in p.versions] == list(everything.versions)
    m = manifest([item(), item(id="L2", condition="remanufactured", country_of_manufacture="DE")])
    for facts in derive(m, registry, m.shipment.arrival_date).items:
        assert DurableEvaluator().evaluate(everything, facts) == ReferenceEvaluator().evaluate(
            everything, facts
        )
