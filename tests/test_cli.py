"""The command line through click's CliRunner: exit codes, JSON keys (the contract's JSON result and exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, SHIPMENTS

from compliance.cli import cli

EXPECTED = {
    "vn-used-vmc-hold.yaml": ("hold", 1),
    "vn-new-vmc-clear.yaml": ("clear", 0),
    "th-used-lathe-review.yaml": ("review", 3),
    "vn-container-mixed.yaml": ("hold", 1),
    "de-tender-mill-turn.yaml": ("hold", 1),
    "vn-june-upcoming.yaml": ("clear", 0),
    "id-used-grinder-similar.yaml": ("review", 3),
    "vn-pact-footprint.yaml": ("clear", 0),
    "vn-remanufactured-de.yaml": ("review", 3),
    "de-new-vmc-2027.yaml": ("clear", 0),
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_every_sample_shipment_is_listed_here():
    assert sorted(p.name for p in SHIPMENTS.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_sample_shipments_verdicts_and_exit_codes(name, expected):
    code, out, _ = run("check", str(SHIPMENTS / name), "--format", "json")
    verdict, exit_code = expected
    assert code == exit_code
    data = json.loads(out)
    assert data["verdict"] == verdict


def test_json_result_has_the_contract_keys():
    code, out, _ = run("check", str(SHIPMENTS / "vn-used-vmc-hold.yaml"), "--format", "json")
    data = json.loads(out)
    assert {"shipment_id", "as_of", "verdict", "items", "missing_documents", "upcoming", "containers"} <= set(
        data
    )
    item = data["items"][0]
    assert {"item_id", "verdict", "findings", "rulesets"} <= set(item)
    applying = [r for r in item["rulesets"] if r["applies"]]
    not_applying = [r for r in item["rulesets"] if not r["applies"]]
    assert applying and not_applying
    assert {"ruleset", "version", "applies", "verdict", "requirements"} <= set(applying[0])
    assert {"ruleset", "version", "applies", "reason"} <= set(not_applying[0])
    assert "verdict" not in not_applying[0]
    req = applying[0]["requirements"][0]
    assert {
        "id",
        "status",
        "severity",
        "document_type",
        "documents",
        "message",
        "citation",
        "warnings",
    } <= set(req)
    missing = data["missing_documents"][0]
    assert {"item_id", "ruleset", "requirement", "document_type", "status"} <= set(missing)
    assert data["containers"] == [{"container": "MSCU1234566", "verdict": "hold", "items": ["L1"]}]


def test_no_containers_key_without_containers():
    _, out, _ = run("check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"), "--format", "json")
    assert "containers" not in json.loads(out)


def test_upcoming_before_july():
    _, out, _ = run("check", str(SHIPMENTS / "vn-june-upcoming.yaml"), "--format", "json")
    upcoming = json.loads(out)["upcoming"]
    assert {(u["ruleset"], u["effective_from"], u["item_id"], u["would_be"]) for u in upcoming} == {
        ("vn-circular-12-2026", "2026-07-01", "U1", "hold"),
        ("asean-joint-green-access-2026", "2026-07-01", "U1", "hold"),
    }


def test_as_of_changes_the_verdict():
    code, out, _ = run(
        "check", str(SHIPMENTS / "vn-june-upcoming.yaml"), "--as-of", "2026-07-01", "--format", "json"
    )
    assert code == 1
    assert json.loads(out)["as_of"] == "2026-07-01"


def test_text_output_leads_with_the_verdict():
    code, out, _ = run("check", str(SHIPMENTS / "vn-used-vmc-hold.yaml"))
    assert code == 1
    first = out.splitlines()[0]
    assert first == "Shipment SHP-2026-0142: HOLD"
    assert "SAMPLE" in out
    assert "Circular 12/2026/TT-BCT" in out


def test_only_one_ruleset():
    code, out, _ = run("check", str(SHIPMENTS / "vn-container-mixed.yaml"), "--ruleset", "vn-circular-12-2026",
                       "--format", "json")  # fmt: skip
    assert code == 0
    names = {r["ruleset"] for i in json.loads(out)["items"] for r in i["rulesets"]}
    assert names == {"vn-circular-12-2026"}


def test_unknown_ruleset_is_usage_error():
    code, _, err = run("check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"), "--ruleset", "vn-circular-99")
    assert code == 2
    assert "vn-circular-99" in err and "vn-circular-12-2026" in err


def test_bad_manifest_exit_2_no_traceback_no_output_file(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (SHIPMENTS / "vn-new-vmc-clear.yaml").read_text().replace("condition: new", "condtion: new")
    )
    out_file = tmp_path / "out.json"
    code, out, err = run("check", str(bad), "--format", "json", "--output", str(out_file))
    assert code == 2
    assert "bad.yaml:" in err and "condtion" in err
    assert "Traceback" not in err
    assert not out_file.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_output_file_written(tmp_path: Path):
    out_file = tmp_path / "r.json"
    code, out, _ = run(
        "check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"), "--format", "json", "-o", str(out_file)
    )
    assert code == 0 and out == ""
    assert json.loads(out_file.read_text())["verdict"] == "clear"


def test_registry_option_replaces_the_sample(tmp_path: Path):
    reg = tmp_path / "reg.yaml"
    reg.write_text("accreditations: []\n")
    code, out, _ = run(
        "check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"), "--registry", str(reg), "--format", "json"
    )
    data = json.loads(out)
    assert code == 1
    assert data["registry_is_sample"] is False
    circular = next(r for r in data["items"][0]["rulesets"] if r["ruleset"] == "vn-circular-12-2026")
    assert "VC-LCA-0042" in circular["requirements"][0]["message"]


def test_manufactured_after_as_of_is_bad_input():
    code, _, err = run("check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"), "--as-of", "2026-01-01")
    assert code == 2
    assert "manufactured" in err


def test_bad_as_of_date():
    code, _, err = run("check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"), "--as-of", "2026-13-01")
    assert code == 2 and "--as-of" in err


def test_missing_file():
    code, _, err = run("check", "no-such-file.yaml")
    assert code == 2 and "not found" in err


def _schema(what: str) -> dict:
    code, out, _ = run("schema", what)
    assert code == 0
    return json.loads(out)


@pytest.mark.parametrize(
    ("what", "path"),
    [("manifest", SHIPMENTS / "vn-container-mixed.yaml"), ("registry", ROOT / "rulesets/registries/sample-registry.yaml"),
     ("ruleset", ROOT / "rulesets/vn-circular-12-2026.yaml")],
)  # fmt: skip
def test_schema_accepts_the_shipped_files_and_refuses_a_typo(what, path):
    import jsonschema
    import yaml

    schema = _schema(what)
    data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    jsonschema.validate(data, schema)
    data["unknwn_key"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_result_schema_validates_real_results_and_names_the_contract_keys():
    import jsonschema

    schema = _schema("result")
    assert {"shipment_id", "as_of", "verdict", "items", "missing_documents", "upcoming"} <= set(
        schema["required"]
    )
    for path in sorted(SHIPMENTS.glob("*.yaml")):
        code, out, _ = run("check", str(path), "--format", "json")
        jsonschema.validate(json.loads(out), schema)


def test_internal_error_exits_70_with_a_log(monkeypatch):
    import compliance.api

    def boom(*a, **k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(compliance.api, "check", boom)
    code, out, err = run("check", str(SHIPMENTS / "vn-new-vmc-clear.yaml"))
    assert code == 70
    assert out == ""
    assert "internal error" in err and "simulated bug" in err and ".log" in err


def test_every_command_has_help():
    import click

    commands = cli.list_commands(click.Context(cli))
    assert {"check", "inventory", "rulesets", "serve", "tokens", "recheck"} <= set(commands)
    for command in commands:
        code, out, _ = run(command, "--help")
        assert code == 0
        assert "Example" in out


def test_every_command_is_found_through_the_map_of_modules_the_group_imports_lazily():
    import importlib

    from compliance.cli.common import CommandGroup

    for module in CommandGroup.MODULES:
        importlib.import_module(module)
    by_module: dict[str, set[str]] = {}
    for name, command in cli.commands.items():
        by_module.setdefault(command.callback.__module__, set()).add(name)
    assert by_module == {module: set(names) for module, names in CommandGroup.MODULES.items()}


def test_a_check_does_not_import_the_other_commands_modules():
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from compliance.cli.run import run_command\n"
        "code = run_command(['check', 'shipments/vn-new-vmc-clear.yaml', '--format', 'json'])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('compliance.cli.'))\n"
        "print(code, loaded, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.stderr.strip().splitlines()[-1] == (
        "0 ['compliance.cli.check', 'compliance.cli.common', 'compliance.cli.run']"
    )
