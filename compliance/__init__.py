"""compliance: a rules-driven compliance checker for shipments of CNC machine tools."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "check", "load_manifest", "load_registry", "load_rulesets"]


def __getattr__(name: str) -> object:
    # Lazy, so that `import compliance` stays cheap and the engine loads only when used.
    if name == "check":
        from compliance.api import check

        return check
    if name in ("load_manifest", "load_registry", "load_rulesets"):
        from compliance.reading import inputs

        return getattr(inputs, name)
    raise AttributeError(name)
