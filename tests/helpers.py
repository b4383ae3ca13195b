"""Shared test helpers: paths, manifests built as data, and judging them with the real rulesets.

Imported by the tests as `from helpers import ...`; the fixtures live in conftest.py."""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import yaml

from compliance.api import check
from compliance.language.phrases import Phrase, walk
from compliance.models.manifest import Manifest
from compliance.models.registry import Registry
from compliance.models.report import Report, RequirementResult, RulesetResult
from compliance.models.ruleset import Ruleset
from compliance.render.words import words

ROOT = Path(__file__).resolve().parent.parent
SHIPMENTS = ROOT / "shipments"
SHARED = ROOT.parent / "shared"

REGISTRY_YAML = """
accreditations:
  - id: VC-1
    verifier: Vina Verify JSC
    body: VinaCert
    scopes: [metalworking_machinery, lifecycle_carbon_accounting, iso_14067]
    valid_from: 2025-01-01
    valid_until: 2027-12-31
    status: active
  - id: VC-NOSCOPE
    verifier: Narrow Verify
    body: VinaCert
    scopes: [lifecycle_carbon_accounting]
    valid_from: 2025-01-01
    valid_until: 2027-12-31
  - id: VC-SUSP
    verifier: Suspended Verify
    body: VinaCert
    scopes: [metalworking_machinery, lifecycle_carbon_accounting, iso_14067]
    valid_from: 2024-01-01
    valid_until: 2028-12-31
    status: suspended
    status_since: 2026-03-01
  - id: VC-LAPSING
    verifier: Lapsing Verify
    body: VinaCert
    scopes: [metalworking_machinery, lifecycle_carbon_accounting, iso_14067]
    valid_from: 2024-01-01
    valid_until: 2026-06-30
  - id: CNAS-1
    verifier: China Verify
    body: CNAS
    scopes: [iso_14067]
    valid_from: 2023-01-01
    valid_until: 2028-12-31
"""


def lca_report(**over: Any) -> dict[str, Any]:
    """A carbon-footprint report that satisfies Circular 12 and the joint guidelines."""
    doc: dict[str, Any] = {
        "id": "CFP",
        "type": "carbon_footprint_report",
        "issued": "2026-05-20",
        "standards": ["ISO 14067"],
        "stages": ["A1", "A2", "A3", "A4"],
        "transport_destination": "VN",
        "verifier": {"name": "Vina Verify JSC", "accreditations": ["VC-1"]},
    }
    doc.update(over)
    return doc


def ai_attestation(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "AI",
        "type": "ai_diagnostics_attestation",
        "issued": "2026-04-02",
        "issuer_role": "oem",
        "capabilities": ["remote_diagnostics", "predictive_maintenance"],
        "delivery": "factory_installed",
        "software_version": "4.2",
        "sensors": ["spindle_vibration"],
        "protocols": ["MTConnect"],
    }
    doc.update(over)
    return doc


def ce(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": "CE", "type": "ce_declaration", "issued": "2019-02-11"}
    doc.update(over)
    return doc


def manifest(
    items: list[dict[str, Any]] | None = None,
    documents: list[dict[str, Any]] | None = None,
    **shipment: Any,
) -> Manifest:
    ship: dict[str, Any] = {"id": "S1", "origin": "CN", "destination": "VN", "arrival_date": "2026-07-15"}
    ship.update(shipment)
    data = {
        "shipment": ship,
        "items": items if items is not None else [item()],
        "documents": copy.deepcopy(documents or []),
    }
    return Manifest.model_validate(data)


def item(**over: Any) -> dict[str, Any]:
    it: dict[str, Any] = {
        "id": "L1",
        "machine_type": "machining_center",
        "manufactured": "2019-03-01",
        "condition": "used",
        "country_of_manufacture": "CN",
    }
    it.update(over)
    return it


def judge(
    m: Manifest,
    rulesets: list[Ruleset],
    registry: Registry,
    *,
    as_of: dt.date | None = None,
    only: str | None = None,
) -> Report:
    chosen = [r for r in rulesets if only is None or r.id == only]
    return check(m, chosen, registry, as_of=as_of)


def ruleset_of(report: Report, ruleset_id: str, item_id: str = "L1") -> RulesetResult:
    it = next(i for i in report.items if i.item_id == item_id)
    return next(r for r in it.rulesets if r.ruleset == ruleset_id)


def requirement(report: Report, ruleset_id: str, req_id: str, item_id: str = "L1") -> RequirementResult:
    rs = ruleset_of(report, ruleset_id, item_id)
    assert rs.applies, rs.reason
    return next(r for r in rs.requirements if r.id == req_id)


def phrases_in(value: Any) -> list[Phrase]:
    """Every phrase in a sentence (or a list of them), outermost first."""
    return walk(value)


def has(value: Any, code: str, /, **params: object) -> bool:
    """A phrase with this code (and these parameters, compared as their English words) is in ``value``."""
    return any(
        p.code == code and all(words(dict(p.params).get(k), "en") == str(v) for k, v in params.items())
        for p in phrases_in(value)
    )


def en(value: Any) -> str:
    """A sentence's English words (for assertions on a value it names, such as a document id)."""
    return words(value, "en")


def bundle_without_ai_diagnostics(folder: Path) -> Path:
    """The shipped rulesets copied to ``folder``/bundle, but the joint guidelines without their
    AI-diagnostics requirement: a new bundle under which the used lathe for Thailand clears."""
    bundle = folder / "bundle"
    shutil.copytree(ROOT / "rulesets", bundle,
                    ignore=shutil.ignore_patterns("*.cases.yaml", "__init__.py", "coverage"))  # fmt: skip
    asean = bundle / "asean-joint-green-access-2026.yaml"
    data = yaml.safe_load(asean.read_text())
    for version in data["versions"]:
        version["requirements"] = [r for r in version["requirements"] if r["id"] != "ai-diagnostics"]
    asean.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return bundle
