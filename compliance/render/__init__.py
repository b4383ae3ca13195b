"""Renderers: each reads a Report and returns text (or PDF bytes); none computes a verdict.

A judged report's sentences are phrases; each renderer first puts them in words in the language asked
for (`compliance.render.words`), so one report renders in any language, from any thread.

May import: `compliance.reading` (the templates' folder), `compliance.models`, `compliance.language`;
never the judging layer or the engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from compliance.models.errors import UsageError
from compliance.models.report import Report


@dataclass(frozen=True)
class RenderOptions:
    """How the output will be seen, which only the CLI knows."""

    #: The text goes to a terminal: draw tables (rich); otherwise plain lines for pipes and logs.
    terminal: bool = False
    #: Colour on the terminal (off for NO_COLOR and --no-color).
    color: bool = False
    width: int | None = None
    #: The language of the words (codes and ids stay as they are).
    lang: str = "en"


Renderer = Callable[[Report, RenderOptions], "str | bytes"]


def _words(report: Report, options: RenderOptions) -> Report:
    from compliance.render.words import localize

    return localize(report, options.lang)


def _text(report: Report, options: RenderOptions) -> str:
    report = _words(report, options)
    if options.terminal:
        from compliance.render.terminal import render_terminal

        return render_terminal(report, color=options.color, width=options.width)
    from compliance.render.text import render_text

    return render_text(report)


def _json(report: Report, options: RenderOptions) -> str:
    from compliance.render.json_format import render_json

    return render_json(report, options.lang)


def _markdown(report: Report, options: RenderOptions) -> str:
    from compliance.render.checklist import render_markdown

    return render_markdown(_words(report, options))


def _html(report: Report, options: RenderOptions) -> str:
    from compliance.render.checklist import render_html

    return render_html(_words(report, options))


def _pdf(report: Report, options: RenderOptions) -> bytes:
    from compliance.render.checklist import render_pdf

    return render_pdf(_words(report, options))


RENDERERS: dict[str, Renderer] = {
    "text": _text,
    "json": _json,
    "markdown": _markdown,
    "html": _html,
    "pdf": _pdf,
}

#: Formats whose output is bytes, not text.
BINARY = frozenset({"pdf"})


def get(name: str) -> Renderer:
    try:
        return RENDERERS[name]
    except KeyError:
        raise UsageError(
            f"unknown format '{name}'; known: {', '.join(RENDERERS)}", field="--format"
        ) from None
