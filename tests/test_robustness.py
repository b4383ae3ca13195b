"""Robustness: generated manifests always load and get a verdict; corrupted ones always exit 2;
faults injected into the engine adapter become errors; the audit log survives concurrent runs."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers import SHIPMENTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_differential import manifests

from compliance.cli import cli
from compliance.judging import compiler as compiler_module
from compliance.judging import engine as engine_module
from compliance.models.errors import InputError
from compliance.models.manifest import Manifest
from compliance.reading.inputs import load_manifest
from compliance.service.audit import record

REQUIRED = {
    "shipment": ["id", "origin", "destination", "arrival_date"],
    "item": ["id", "machine_type", "manufactured", "condition"],
}


def dump(m: Manifest) -> dict:
    data = m.model_dump(mode="json", exclude_none=True)
    for it in data["items"]:
        it.pop("quantity", None)
    return data


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(m=manifests())
def test_valid_manifests_load_and_get_a_verdict(tmp_path_factory, m: Manifest) -> None:
    path = tmp_path_factory.mktemp("m") / "m.yaml"
    path.write_text(yaml.safe_dump(dump(m), sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path), "--format", "json"])
    assert result.exit_code in (0, 1, 3), result.output
    report = json.loads(result.stdout)
    assert [i["item_id"] for i in report["items"]] == [i.id for i in m.items]


CORRUPTIONS = st.sampled_from(
    [
        "drop-required",
        "unknown-key",
        "bad-enum",
        "bad-date",
        "wrong-type",
        "truncate",
        "dup-item",
        "bad-cover",
    ]
)


@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(m=manifests(), how=CORRUPTIONS, pick=st.integers(0, 1000))
def test_corrupted_manifests_are_refused_with_a_place(
    tmp_path_factory, m: Manifest, how: str, pick: int
) -> None:
    data = dump(m)
    it = data["items"][pick % len(data["items"])]
    text: str | None = None
    if how == "drop-required":
        if pick % 2:
            del data["shipment"][REQUIRED["shipment"][pick % 4]]
        else:
            del it[REQUIRED["item"][pick % 4]]
    elif how == "unknown-key":
        it["condtion"] = "used"
    elif how == "bad-enum":
        it["machine_type"] = "spaceship"
    elif how == "bad-date":
        data["shipment"]["arrival_date"] = "2026-13-45"
    elif how == "wrong-type":
        data["items"] = {"not": "a list"}
    elif how == "dup-item":
        data["items"].append(dict(it))
    elif how == "bad-cover":
        data["documents"].append({"id": "ZZ", "type": "epd", "covers": ["NOPE"]})
    else:
        full = yaml.safe_dump(data, sort_keys=False)
        text = full[: max(1, len(full) // 3)] + "\n  - [unclosed\n"
    path = tmp_path_factory.mktemp("c") / "m.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_manifest(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("fault", ["drop", "duplicate", "raise"])
def test_faults_injected_into_the_adapter_exit_70(monkeypatch, fault):
    original = compiler_module.Compiler.add

    def faulty(self, key, kind, patterns):
        original(self, key, kind, patterns)
        name = f"r{next(self.counter) - 1}"
        if kind != "offered":
            return
        rule = self.rules[name]
        if fault == "drop":
            del self.rules[name]
        elif fault == "duplicate":
            action = rule["run"]
            rule["run"] = lambda c: (action(c), action(c))
        else:

            def boom(c):
                raise RuntimeError("injected")

            rule["run"] = boom

    monkeypatch.setattr(compiler_module.Compiler, "add", faulty)
    # The faulty rules are compiled afresh, on a host of their own: a compiled program is named by
    # its rulesets' content (the same here), and a host registers a name only once.
    monkeypatch.setattr(engine_module.DurableEvaluator, "_compiled", {})
    monkeypatch.setattr(engine_module.DurableEvaluator, "_seen", {})
    monkeypatch.setattr(engine_module.DurableEvaluator, "_host", None)
    result = CliRunner().invoke(
        cli, ["check", str(SHIPMENTS / "vn-used-vmc-hold.yaml"), "--ruleset", "vn-circular-12-2026"]
    )
    assert result.exit_code == 70, result.output
    # Caught by the adapter's own checks of the engine's answers, not by anything else going wrong.
    assert "internal error: EngineIntegrityError" in result.stderr, result.stderr
    assert "HOLD" not in result.stdout and "CLEAR" not in result.stdout


def _append(args: tuple[str, int]) -> None:
    log, n = args
    for i in range(n):
        record(
            Path(log),
            command=["test", str(i)],
            inputs=[],
            rulesets=[],
            as_of=["2026-07-01"],
            verdicts={"x": "y" * 5000},
        )


def test_concurrent_audit_appends_stay_whole_lines(tmp_path):
    log = tmp_path / "audit.jsonl"
    log.write_text('{"existing": true}\n')
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_append, [(str(log), 50)] * 4)
    lines = log.read_text().splitlines()
    assert len(lines) == 201
    assert lines[0] == '{"existing": true}'
    assert all(json.loads(line) for line in lines)


def test_check_writes_an_audit_line(tmp_path):
    log = tmp_path / "audit.jsonl"
    for _ in range(2):
        result = CliRunner().invoke(
            cli, ["check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"), "--audit-log", str(log)]
        )
        assert result.exit_code == 0
    entries = [json.loads(x) for x in log.read_text().splitlines()]
    assert len(entries) == 2
    e = entries[0]
    assert {"time", "tool_version", "command", "inputs", "rulesets", "as_of", "verdicts"} <= set(e)
    assert e["verdicts"][0] == {"shipment_id": "SHP-2026-0201", "verdict": "clear", "items": {"L1": "clear"}}
    assert any(i["path"].endswith("vn-new-vmc-clear.yaml") and len(i["sha256"]) == 64 for i in e["inputs"])
    assert {r["id"] for r in e["rulesets"]} >= {"vn-circular-12-2026"}
