"""Where the shipped data lives: the rulesets, the sample registry and the checklist templates.

They are kept at the repository's top level (`rulesets/`, `templates/`) and mapped into the package
at build time (`compliance.rulesets`, `compliance.templates`, see pyproject.toml), so a wheel installed
anywhere carries them and finds them here, never by walking up from this file to a checkout."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(package: str) -> Path:
    # Installed wheels and editable installs both give a folder on disk.
    return Path(str(files(package)))


DEFAULT_RULESETS = _folder("compliance.rulesets")
SAMPLE_REGISTRY = _folder("compliance.rulesets.registries") / "sample-registry.yaml"
TEMPLATES = _folder("compliance.templates")
#: What no shipped ruleset judges, named beside the rulesets in every answer.
NOT_JUDGED = _folder("compliance.rulesets.coverage") / "not-judged.yaml"
