"""Findings are data: a judged report holds codes and parameters in no language; words are made when
rendering, per call, so one report renders in English and Vietnamese at once (a server serving two
users); the JSON keeps each sentence and adds its code and parameters; explain shows what the engine
answered in the run."""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from helpers import SHIPMENTS, has, judge, lca_report, manifest, requirement

from compliance.api import check, default_evaluator
from compliance.authoring.explain import explain
from compliance.judging.facts import ItemFacts
from compliance.judging.program import Answer, Program
from compliance.language.phrases import TEMPLATES, Phrase, codes
from compliance.models.report import Report
from compliance.reading.inputs import load_manifest, load_registry, load_rulesets
from compliance.render import RenderOptions, get
from compliance.render.json_format import report_dict
from compliance.render.words import localize, words

HOLD = SHIPMENTS / "vn-used-vmc-hold.yaml"


def _judged(path: Path = HOLD) -> Report:
    return check(
        load_manifest(path).manifest, load_rulesets(None), load_registry([]),
        produced_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def _sentences(report: Report) -> list[object]:
    out: list[object] = [*report.warnings]
    for item in report.items:
        out += [f.message for f in item.findings]
        for rs in item.rulesets:
            out += [rs.reason, rs.title]
            for req in rs.requirements:
                out += [req.message, req.title, req.action, *req.warnings]
    return [s for s in out if s is not None]


def test_a_judged_report_holds_phrases_with_registered_codes() -> None:
    report = _judged()
    sentences = _sentences(report)
    assert sentences and all(isinstance(s, Phrase) for s in sentences)
    found = {c for s in sentences for c in codes(s)}
    assert found <= set(TEMPLATES)
    assert {"documents-invalid", "list-lacking", "accreditation-wrong-body", "registry-sample"} <= found


def test_the_same_report_renders_in_english_and_vietnamese_from_concurrent_threads() -> None:
    alone = _judged()
    expected = {lang: get("text")(alone, RenderOptions(lang=lang)) for lang in ("en", "vi")}
    assert "does not state life-cycle stage(s) A4" in expected["en"]
    assert "KHÔNG ĐẠT" in expected["vi"] and "does not state" not in expected["vi"]
    # A report never rendered before: its phrases keep the words first made for them, per language,
    # while threads put them in words in both languages at once.
    report = _judged()

    def render(lang: str) -> tuple[str, str | bytes]:
        return lang, get("text")(report, RenderOptions(lang=lang))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(render, ["en", "vi"] * 40))
    assert all(out == expected[lang] for lang, out in results)


def test_json_keeps_each_sentence_and_adds_its_code_and_parameters() -> None:
    report = _judged()
    for lang in ("en", "vi"):
        data = report_dict(report, lang)
        assert data["lang"] == lang
        req = data["items"][0]["rulesets"][0]["requirements"][0]
        assert isinstance(req["message"], str)
        assert req["message_code"] in TEMPLATES
        assert isinstance(req["message_params"], dict)
        assert [w["code"] for w in data["warnings_codes"]] == ["arrival-passed", "registry-sample"]
    en, vi = report_dict(report, "en"), report_dict(report, "vi")
    # Codes and parameters are the same whatever the language; only the words differ.
    strip = lambda d: json.loads(json.dumps(d).replace('"lang": "vi"', '"lang": "en"'))  # noqa: E731
    en_req, vi_req = (strip(d)["items"][0]["rulesets"][0]["requirements"][0] for d in (en, vi))
    assert en_req["message_code"] == vi_req["message_code"]
    assert en_req["message_params"] == vi_req["message_params"]
    assert en_req["message"] != vi_req["message"]


def test_localizing_leaves_the_judged_report_untouched() -> None:
    report = _judged()
    before = report.model_dump(mode="json")
    localize(report, "vi")
    localize(report, "en")
    assert report.model_dump(mode="json") == before


def test_a_phrase_reads_the_same_words_in_either_language_as_the_checklist(rulesets, registry) -> None:
    req = requirement(
        judge(manifest(documents=[lca_report(stages=["A1"])]), rulesets, registry),
        "vn-circular-12-2026",
        "lca-report",
    )
    assert has(req.message, "list-lacking", lacking="A2, A3, A4")
    assert "does not state life-cycle stage(s) A2, A3, A4" in words(req.message, "en")
    assert "A2, A3, A4" in words(req.message, "vi") and "does not state" not in words(req.message, "vi")


class _DropsOneCheck:
    """An engine that 'forgets' the first document check it answered: explain must show what the
    engine said (NOT met), not what a second evaluation would say (met)."""

    def __init__(self) -> None:
        self.inner = default_evaluator()

    def evaluate(self, program: Program, facts: ItemFacts) -> frozenset[Answer]:
        got = self.inner.evaluate(program, facts)
        dropped = sorted((a for a in got if a.kind == "c0"), key=repr)[:1]
        return got - frozenset(dropped)


def test_explain_shows_the_engines_answers_not_a_second_evaluation(rulesets, registry) -> None:
    m = manifest(documents=[lca_report()])
    honest = explain(m, rulesets, registry, "L1")
    forgetful = explain(m, rulesets, registry, "L1", evaluator=_DropsOneCheck())
    assert honest.count("NOT met") < forgetful.count("NOT met")
    assert "SATISFIED" in honest
