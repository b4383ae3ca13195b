"""The shipped rulesets: data, installed inside the package as compliance.rulesets (see pyproject.toml)."""
