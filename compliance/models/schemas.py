"""The JSON Schemas of the files the tool reads and writes: one source for `compliance schema` and the
HTTP service's `/v1/schemas/{what}`. Each field is described by its model's attribute docstring."""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

from pydantic import BaseModel

SCHEMAS = ("manifest", "result", "registry", "ruleset", "decisions")


def schema(what: str) -> dict[str, Any]:
    from compliance.models.decisions import DecisionsFile
    from compliance.models.manifest import Manifest
    from compliance.models.registry import RegistryFile
    from compliance.models.report import result_schema
    from compliance.models.ruleset import Ruleset

    if what == "result":
        return result_schema()
    models: dict[str, type[BaseModel]] = {
        "manifest": Manifest, "registry": RegistryFile, "ruleset": Ruleset, "decisions": DecisionsFile,
    }  # fmt: skip
    model = models[what]
    found: dict[str, Any] = model.model_json_schema()
    described = {m.__name__: attribute_docs(m) for m in _models(model)}
    for name, target in [(model.__name__, found), *found.get("$defs", {}).items()]:
        for field, prop in target.get("properties", {}).items():
            doc = described.get(name, {}).get(field)
            if doc and "description" not in prop:
                prop["description"] = doc
    return found


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """The model and every model its fields refer to (the schema's $defs)."""
    seen: dict[str, type[BaseModel]] = {}
    todo = [root]
    while todo:
        model = todo.pop()
        if model.__name__ in seen:
            continue
        seen[model.__name__] = model
        for f in model.model_fields.values():
            todo.extend(_inner_models(f.annotation))
    return list(seen.values())


def _inner_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in getattr(annotation, "__args__", ()) for m in _inner_models(a)]


def attribute_docs(model: type[BaseModel]) -> dict[str, str]:
    """``name: type`` followed by a string literal, in the class body and its bases: PEP 257's
    attribute docstrings, as pydantic's ``use_attribute_docstrings`` reads them."""
    out: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or cls is BaseModel:
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        except (OSError, TypeError, SyntaxError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for stmt, nxt in zip(body, body[1:], strict=False):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant)
                and isinstance(nxt.value.value, str)
            ):
                out[stmt.target.id] = inspect.cleandoc(nxt.value.value)
    return out
