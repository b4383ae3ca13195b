"""Plain text for pipes and logs: the verdict first, then each item, what to do, and what is coming.

Words are in the report's language; codes (ids, statuses in brackets) stay as they are so that a
script grepping the output does not depend on the language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from compliance.language.i18n import translations
from compliance.language.labels import label
from compliance.models.report import ItemResult, RegistryInfo, Report
from compliance.render.visible import one_line

MARK = {"clear": "CLEAR", "review": "REVIEW", "hold": "HOLD"}
STATUS = {
    "satisfied": "ok",
    "missing": "MISSING",
    "invalid": "INVALID",
    "failed": "FAILED",
    "review": "REVIEW",
}


def registry_line(reg: RegistryInfo, _: Callable[[str], str]) -> str:
    """The registry a verdict rests on, by file name, and the day it says it was published."""
    name = PurePath(reg.source).name
    if reg.published is None:
        return _("accreditation registry {name} (states no publication date)").format(name=name)
    return _("accreditation registry {name}, published {day}").format(name=name, day=reg.published)


def render_text(report: Report) -> str:
    lines = _Text(report).lines()
    # One logical line per entry: a newline or an escape inside a value never forges a line of its own.
    return "\n".join(one_line(line) for line in lines) + "\n"


class _Text:
    """The plain report, section by section, in the report's language."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.lang = report.lang
        self._ = translations(report.lang).gettext
        self.out: list[str] = []

    def mark(self, verdict: str) -> str:
        # The code stays for scripts that grep it; Vietnamese readers get their word first.
        return (
            MARK[verdict]
            if self.lang == "en"
            else f"{label('verdict', verdict, self.lang)} ({MARK[verdict]})"
        )

    def word(self, kind: str, code: str) -> str:
        # English keeps the vocabulary codes as written; Vietnamese reads its words.
        return code if self.lang == "en" else label(kind, code, self.lang)

    def sev(self, severity: str) -> str:
        return label("severity", severity, self.lang)

    def lines(self) -> list[str]:
        self.header()
        for item in self.report.items:
            self.item(item)
        self.obtain()
        self.upcoming()
        return self.out

    def header(self) -> None:
        r, _, add = self.report, self._, self.out.append
        add(_("Shipment {id}: {verdict}").format(id=r.shipment_id, verdict=self.mark(r.verdict)))
        route = f"{r.origin} -> {r.destination}" if r.origin else r.destination
        add("  " + _("route {route}, arrival {arrival}, judged as of {day}").format(
            route=route, arrival=r.arrival_date, day=r.as_of))  # fmt: skip
        if r.tender:
            add("  " + _("public tender {country} {reference} (carbon criterion: {criterion})").format(
                country=r.tender.get("country"), reference=r.tender.get("reference") or "",
                criterion=r.tender.get("carbon_criterion") or _("not stated"),
            ))  # fmt: skip
        for cov in r.coverage:
            judged = ", ".join(f"{j.ruleset} v{j.version}" for j in cov.judged) or _("no ruleset in force")
            add("  " + _("judged by: {rulesets} (a CLEAR covers these rules only)").format(rulesets=judged))
            if cov.not_judged:
                topics = "; ".join(str(t.text) for t in cov.not_judged)
                add("  " + _("not judged: {topics}").format(topics=topics))
        for reg in r.registries:
            add("  " + registry_line(reg, _))
        for w in r.warnings:
            add(f"  ! {w}")
        if r.containers:
            add("")
            add(_("Containers:"))
            for c in r.containers:
                add(f"  {c.container}: {self.mark(c.verdict)} ({', '.join(c.items)})")

    def item(self, item: ItemResult) -> None:
        _, add, sev = self._, self.out.append, self.sev
        add("")
        desc = f" {item.description}" if item.description else ""
        maker = " ".join(x for x in (item.manufacturer, item.model) if x)
        add(
            _("Item {id}:").format(id=item.item_id)
            + f"{desc} [{self.word('machine_type', item.machine_type)}, {self.word('condition', item.condition)}, "
            + _("made {year}").format(year=item.manufactured)
            + (f"; {maker}" if maker else "")
            + f"] {self.mark(item.verdict)}"
        )
        for f in item.findings:
            add(f"  [{STATUS[f.status]}] {f.id} ({sev(f.severity)}): {f.message}")
        for rs in item.rulesets:
            if not rs.applies:
                add(
                    f"  - {rs.ruleset} v{rs.version}: "
                    + _("does not apply: {reason}").format(reason=rs.reason)
                )
                continue
            add(f"  * {rs.ruleset} v{rs.version}: {self.mark(rs.verdict) if rs.verdict else ''}")
            if rs.reason:
                add("      " + _("note: {text}").format(text=rs.reason))
            for req in rs.requirements:
                add(f"      [{STATUS[req.status]}] {req.id} ({sev(req.severity)}): {req.title}")
                if req.status != "satisfied" or req.decision is not None:
                    # A settled review still says who decided, why and until when.
                    add(f"          {req.message}")
                    add("          " + _("cite: {citation}").format(citation=req.citation))
                for w in req.warnings:
                    add("          " + _("warning: {text}").format(text=w))

    def obtain(self) -> None:
        _, add = self._, self.out.append
        if not self.report.documents_to_obtain:
            return
        add("")
        add(_("Documents to obtain or fix:"))
        for d in self.report.documents_to_obtain:
            types = (" " + _("or") + " ").join(d.document_types)
            items = ", ".join(f"{i.item_id} ({i.status})" for i in d.items)
            when = ""
            if d.order_by:
                when = "; " + _("order by {day}").format(day=d.order_by)
                if d.late:
                    when += " (" + _("late: order now") + ")"
            add(f"  {types} [{d.ruleset}/{d.requirement}, {self.sev(d.severity)}]: {items}{when}")
            if d.issuer:
                add("      " + _("issuer: {issuer}").format(issuer=d.issuer))

    def upcoming(self) -> None:
        _, add = self._, self.out.append
        if not self.report.upcoming:
            return
        add("")
        add(_("Upcoming rules:"))
        for u in self.report.upcoming:
            add("  " + _("from {day}: {ruleset} v{version} on {item} would be {verdict}").format(
                day=u.effective_from, ruleset=u.ruleset, version=u.version, item=u.item_id,
                verdict=self.mark(u.would_be),
            ))  # fmt: skip
