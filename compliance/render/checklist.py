"""The broker's checklist (issue #3): Markdown, HTML and PDF from Jinja2 templates in `templates/`.

The templates read the Report and compute nothing: the order-by dates, groups and verdicts are in
the result. This module only chooses words (the gettext catalog of the report's language), writes
dates the locale's way, and escapes every value: HTML by Jinja2's autoescape, Markdown by a
``finalize`` hook that escapes every expression, so a template cannot forget one."""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from compliance.language.i18n import format_date, translations
from compliance.language.labels import label
from compliance.models.report import Report
from compliance.reading.resources import TEMPLATES

# CommonMark treats these as markup anywhere in a line; values never start a line, so block markers
# (#, >, -, 1.) cannot trigger, and escaping them would only make the source harder to read.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def markdown_escape(value: Any) -> str:
    """A value as literal Markdown text: no markup, no HTML, one line (it may sit in a table cell)."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    text = html.escape(text, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def format_timestamp(value: str | None, lang: str) -> str:
    """``2026-11-23T16:30:00Z`` as the locale writes a day, plus the time in UTC."""
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)
    return f"{format_date(moment.date(), lang)} {moment:%H:%M} UTC"


@cache
def environment(lang: str, kind: str) -> Environment:
    """One Jinja2 environment per language and output kind ("html" or "markdown")."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        finalize=markdown_escape if kind == "markdown" else None,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["label"] = lambda code, kind_: label(kind_, code, lang)
    env.filters["date"] = lambda value, style="long": format_date(value, lang, style=style)
    env.filters["timestamp"] = lambda value: format_timestamp(value, lang)
    # The registry's file name, not where it sits on this machine (a checklist travels).
    env.filters["basename"] = lambda value: Path(value).name
    return env


def _render(report: Report, template: str, kind: str, *, paged: bool = False) -> str:
    env = environment(report.lang, kind)
    return env.get_template(template).render(report=report, paged=paged)


def render_markdown(report: Report) -> str:
    return _render(report, "checklist.md.j2", "markdown")


def render_html(report: Report) -> str:
    return _render(report, "checklist.html.j2", "html")


def render_pdf(report: Report) -> bytes:
    """A4, page numbers, the shipment and verdict repeated atop each page (WeasyPrint)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only PDF output needs

    page = _render(report, "checklist.html.j2", "html", paged=True)
    pdf: bytes = HTML(string=page, base_url=str(TEMPLATES)).write_pdf()
    return pdf
