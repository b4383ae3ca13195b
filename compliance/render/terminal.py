"""The text format on a terminal: tables and colour through rich.

User text goes in as ``rich.text.Text`` (never as markup), so a description holding ``[bold]`` or an
escape sequence is shown as written. Colour follows the caller (NO_COLOR, --no-color)."""

from __future__ import annotations

import io
from collections.abc import Callable

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from compliance.language.i18n import translations
from compliance.language.labels import label
from compliance.models.report import ItemResult, Report, Words
from compliance.render.text import registry_line
from compliance.render.visible import visible
from compliance.render.words import said

STYLE = {"clear": "bold white on green", "review": "bold black on yellow", "hold": "bold white on red"}
STATUS_STYLE = {
    "satisfied": "green",
    "review": "yellow",
    "missing": "bold red",
    "invalid": "bold red",
    "failed": "bold red",
}


def T(value: Words, style: str = "") -> Text:
    """A Text of user (or ruleset) text: no markup parsing, no control characters."""
    return Text(visible(said(value)), style=style)


def _badge(verdict: str, lang: str) -> Text:
    return Text(f" {label('verdict', verdict, lang)} ", style=STYLE[verdict])


def render_terminal(report: Report, *, color: bool, width: int | None = None) -> str:
    out = io.StringIO()
    console = Console(
        file=out, force_terminal=color, no_color=not color, color_system="standard" if color else None,
        width=width or 110, highlight=False, emoji=False, markup=False,
    )  # fmt: skip
    _ = translations(report.lang).gettext
    _header(console, report, _)
    if report.containers:
        table = Table(title=_("Containers"), box=box.SIMPLE_HEAD, title_justify="left")
        for col in (_("Container"), _("Verdict"), _("Items")):
            table.add_column(col)
        for c in report.containers:
            table.add_row(T(c.container), _badge(c.verdict, report.lang), T(", ".join(c.items)))
        console.print(table)
    if report.documents_to_obtain:
        console.print(_obtain_table(report, _))
    for item in report.items:
        console.print(_item_table(item, report.lang, _))
    if report.upcoming:
        table = Table(title=_("Upcoming rules"), box=box.SIMPLE_HEAD, title_justify="left")
        for col in (_("From"), _("Ruleset"), _("Item"), _("Would be")):
            table.add_column(col)
        for u in report.upcoming:
            table.add_row(
                T(u.effective_from),
                T(f"{u.ruleset} {u.version}"),
                T(u.item_id),
                _badge(u.would_be, report.lang),
            )
        console.print(table)
    return out.getvalue()


def _header(console: Console, report: Report, _: Callable[[str], str]) -> None:
    head = Text()
    head.append(visible(_("Shipment {id}").format(id=report.shipment_id)) + "  ", style="bold")
    head.append_text(_badge(report.verdict, report.lang))
    console.print(head)
    console.print(T(_("route {route}, arrival {arrival}, judged as of {day}").format(
        route=f"{report.origin} -> {report.destination}", arrival=report.arrival_date, day=report.as_of,
    )))  # fmt: skip
    for cov in report.coverage:
        judged = ", ".join(f"{j.ruleset} v{j.version}" for j in cov.judged) or _("no ruleset in force")
        console.print(T(_("judged by: {rulesets} (a CLEAR covers these rules only)").format(rulesets=judged)))
        if cov.not_judged:
            topics = "; ".join(said(t.text) for t in cov.not_judged)
            console.print(T(_("not judged: {topics}").format(topics=topics), style="dim"))
    for reg in report.registries:
        console.print(T(registry_line(reg, _)))
    for w in report.warnings:
        console.print(T(f"! {w}", style="yellow"))


def _obtain_table(report: Report, _: Callable[[str], str]) -> Table:
    lang = report.lang
    table = Table(title=_("Documents to obtain"), box=box.SIMPLE_HEAD, title_justify="left")
    # On a narrow terminal no document word is cut: the document column is wide enough for the
    # longest word of a document type, and the order-by date never wraps.
    table.add_column(_("Document"), min_width=18, overflow="fold")
    table.add_column(_("Must cover"), overflow="fold")
    table.add_column(_("Who may issue it"), overflow="fold")
    table.add_column(_("Order by"), no_wrap=True)
    table.add_column(_("Why"), overflow="fold")
    for d in report.documents_to_obtain:
        items = Text()
        for n, i in enumerate(d.items):
            if n:
                items.append(", ")
            items.append(visible(i.item_id))
            items.append(f" {label('status', i.status, lang)}", style=STATUS_STYLE[i.status])
        when = T(d.order_by or "-")
        if d.late:
            when.append(" " + _("late: order now"), style="bold red")
        table.add_row(
            T((" " + _("or") + " ").join(label("document_type", t, lang) for t in d.document_types)),
            items, T(d.issuer or ""), when, T(f"{d.ruleset}/{d.requirement}"),
        )  # fmt: skip
    return table


def _item_table(item: ItemResult, lang: str, _: Callable[[str], str]) -> Table:
    title = Text()
    title.append(visible(_("Item {id}").format(id=item.item_id)) + " ", style="bold")
    if item.description:
        title.append(visible(item.description) + " ")
    title.append_text(_badge(item.verdict, lang))
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column(_("Status"), no_wrap=True)
    table.add_column(_("Requirement"), overflow="fold")
    table.add_column(_("Severity"), no_wrap=True)
    table.add_column(_("Finding and action"), overflow="fold")
    for f in item.findings:
        table.add_row(
            T(label("status", f.status, lang), style=STATUS_STYLE[f.status]),
            T(f.id), T(label("severity", f.severity, lang)), T(f.message),
        )  # fmt: skip
    for rs in item.rulesets:
        if not rs.applies:
            table.add_row(
                T("-", style="dim"), T(rs.ruleset, style="dim"), T(""),
                T(_("does not apply: {reason}").format(reason=rs.reason), style="dim"),
            )  # fmt: skip
            continue
        for req in rs.requirements:
            table.add_row(
                T(label("status", req.status, lang), style=STATUS_STYLE[req.status]),
                T(f"{rs.ruleset}/{req.id}"),
                T(label("severity", req.severity, lang)),
                T(said(req.message) + ("" if req.status == "satisfied" else f" [{req.citation}]")),
            )
        if rs.reason:
            table.add_row(
                T(label("status", "review", lang), style=STATUS_STYLE["review"]),
                T(rs.ruleset), T(""), T(rs.reason),
            )  # fmt: skip
    return table
