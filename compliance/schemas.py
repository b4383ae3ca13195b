"""The JSON Schemas of the files the tool reads and writes: one source for `compliance schema` and the
HTTP service's `/v1/schemas/{what}`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

SCHEMAS = ("manifest", "result", "registry", "ruleset")


def schema(what: str) -> dict[str, Any]:
    from compliance.models.manifest import Manifest
    from compliance.models.registry import RegistryFile
    from compliance.models.report import result_schema
    from compliance.models.ruleset import Ruleset

    if what == "result":
        return result_schema()
    models: dict[str, type[BaseModel]] = {"manifest": Manifest, "registry": RegistryFile, "ruleset": Ruleset}
    found: dict[str, Any] = models[what].model_json_schema()
    return found
