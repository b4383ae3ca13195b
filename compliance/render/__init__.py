"""Renderers: each reads a Report and returns text; none computes a verdict."""

from __future__ import annotations

from collections.abc import Callable

from compliance.errors import UsageError
from compliance.models.report import Report
from compliance.render.json_format import render_json
from compliance.render.text import render_text

Renderer = Callable[[Report, str], str]

RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
}


def get(name: str) -> Renderer:
    try:
        return RENDERERS[name]
    except KeyError:
        raise UsageError(
            f"unknown format '{name}'; known: {', '.join(RENDERERS)}", field="--format"
        ) from None
