"""Pydantic models: inputs (manifest, registry, rulesets) and the result."""
