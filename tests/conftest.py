"""pytest fixtures: the shipped rulesets and a test registry. Helpers live in helpers.py."""

from __future__ import annotations

import pytest
from helpers import REGISTRY_YAML

from compliance.inputs import load_registry, load_rulesets
from compliance.models.registry import Registry
from compliance.models.ruleset import Ruleset


@pytest.fixture(scope="session")
def rulesets() -> list[Ruleset]:
    return load_rulesets()


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    path = tmp_path_factory.mktemp("reg") / "registry.yaml"
    path.write_text(REGISTRY_YAML, encoding="utf-8")
    return load_registry([path])
