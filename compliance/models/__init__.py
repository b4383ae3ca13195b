"""Pydantic models: inputs (manifest, registry, rulesets, decisions, what no ruleset judges) and the
result (`report`); the vocabularies (`vocab`), the user's errors (`errors`) and the JSON Schemas of
the files (`schemas`).

May import: `compliance.language` (a result's sentences are phrases)."""
