"""The library entry point: ``check(manifest, rulesets, registry) -> Report``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from compliance import __version__
from compliance.judging.applicability import applicability, covers_destination, speaks_of
from compliance.judging.coverage import coverage
from compliance.judging.decide import Ledger
from compliance.judging.facts import ItemFacts, ShipmentFacts, derive
from compliance.judging.findings import destination_finding, finding_verdict, hs_finding
from compliance.judging.obtain import documents_to_obtain, missing_document, needs_document
from compliance.judging.program import Answer, Program
from compliance.judging.verdicts import (
    Context,
    not_in_force,
    ruleset_result,
)
from compliance.language.i18n import N_
from compliance.language.phrases import Phrase, Template, text
from compliance.models.coverage import Topic
from compliance.models.decisions import Decision
from compliance.models.manifest import Item, Manifest
from compliance.models.registry import Registry
from compliance.models.report import (
    ContainerResult,
    Finding,
    ItemResult,
    MissingDocument,
    RegistryInfo,
    Report,
    RulesetInfo,
    RulesetResult,
    Upcoming,
    Verdict,
    worst,
)
from compliance.models.ruleset import ITEM_FIELDS, Ruleset, Version, rulesets_digest
from compliance.reading.inputs import shipped_not_judged


class Evaluator(Protocol):
    def evaluate(self, program: Program, facts: ItemFacts) -> frozenset[Answer]: ...


class CachingEvaluator:
    """Remembers answers by what the engine is actually shown for an item (not the item's id), so an
    inventory repeating the same model, documents and age evaluates each distinct case once.

    Only valid while the documents behind each id, the registry and the rulesets stay the same:
    one instance per inventory run."""

    def __init__(self, inner: Evaluator) -> None:
        self.inner = inner
        self.cache: dict[tuple[object, ...], frozenset[Answer]] = {}
        self.misses = 0

    def evaluate(self, program: Program, facts: ItemFacts) -> frozenset[Answer]:
        item = facts.item
        # What the engine is shown: the day, the calendar age, every item field a check may read
        # (ITEM_FIELDS, the ruleset model's own list) and the documents.
        key = (
            tuple((rs.id, v.version) for rs, v in program.versions),
            facts.as_of, facts.calendar_age, tuple(getattr(item, f) for f in sorted(ITEM_FIELDS)),
            tuple(d.doc.id for d in facts.documents),
        )  # fmt: skip
        hit = self.cache.get(key)
        if hit is None:
            self.misses += 1
            hit = self.cache[key] = self.inner.evaluate(program, facts)
        return hit


def default_evaluator() -> Evaluator:
    from compliance.judging.engine import DurableEvaluator

    return DurableEvaluator()


def _judge_item(
    facts: ItemFacts,
    shipment_facts: ShipmentFacts,
    chosen: list[tuple[Ruleset, Version | None]],
    program: Program,
    evaluator: Evaluator,
    ledger: Ledger | None = None,
) -> list[RulesetResult]:
    answers = evaluator.evaluate(program, facts) if program.versions else frozenset()
    results: dict[str, RulesetResult] = {}
    # A version that yields to another ruleset (Decision 18 to Decree 66's route for remanufactured
    # goods) is judged after it: that ruleset's result decides whether it applies.
    for ruleset, version in sorted(chosen, key=lambda c: bool(c[1] and c[1].scope.yields_to)):
        if version is None:
            results[ruleset.id] = not_in_force(ruleset, facts.as_of)
            continue
        ctx = Context(
            ruleset, version, shipment_facts.shipment, facts, f"{ruleset.id}@{version.version}", ledger,
            routes=results, registry=shipment_facts.registry,
        )  # fmt: skip
        results[ruleset.id] = ruleset_result(ctx, answers)
    return [results[ruleset.id] for ruleset, _ in chosen]


def check(
    manifest: Manifest,
    rulesets: list[Ruleset],
    registry: Registry,
    *,
    as_of: dt.date | None = None,
    evaluator: Evaluator | None = None,
    with_upcoming: bool = True,
    produced_at: dt.datetime | None = None,
    rulesets_sha256: str | None = None,
    decisions: Sequence[Decision] = (),
    ledger: Ledger | None = None,
    not_judged: Sequence[Topic] | None = None,
) -> Report:
    """Judge every item of a manifest against the rulesets, as of a day (default: arrival date).

    The report's sentences are phrases (codes and parameters, in no language): a renderer puts them
    in words (`compliance.render.words.localize`). ``produced_at`` (when the report is made, for its
    header and the late order-by dates) is the caller's to give, so that a report stays a pure
    function of its inputs. ``not_judged``: what no ruleset judges (default: the shipped list), named in
    the report's coverage beside the rulesets judged."""
    rulesets_sha256 = rulesets_sha256 or rulesets_digest(rulesets)
    # A caller judging many manifests with the same decisions (an inventory) keeps one ledger for all.
    ledger = ledger or (Ledger(tuple(decisions)) if decisions else None)
    engine = evaluator or default_evaluator()
    day = as_of or manifest.shipment.arrival_date
    chosen = [(rs, rs.version_on(day)) for rs in rulesets]
    items, missing = _judge_items(manifest, rulesets, registry, day, chosen, engine, ledger)
    upcoming = _upcoming(manifest, rulesets, registry, day, engine, ledger) if with_upcoming else []
    shipment = manifest.shipment
    produced = produced_at.astimezone(dt.UTC).replace(microsecond=0) if produced_at else None
    arrival_passed = (shipment.arrival_date < produced.date()) if produced else None
    topics = shipped_not_judged() if not_judged is None else not_judged
    return Report(
        shipment_id=shipment.id, as_of=day.isoformat(), verdict=worst([i.verdict for i in items]), items=items,
        missing_documents=missing, upcoming=upcoming, containers=_containers(items),
        origin=shipment.origin, destination=shipment.destination, arrival_date=shipment.arrival_date.isoformat(),
        departure_date=shipment.departure_date.isoformat() if shipment.departure_date else None,
        arrival_passed=arrival_passed, tender=shipment.tender.model_dump(mode="json") if shipment.tender else None,
        rulesets=[_ruleset_info(rs, v) for rs, v in chosen],
        registry_sources=registry.sources,
        registries=[
            RegistryInfo(source=src, published=on.isoformat() if on else None)
            for src, on in zip(registry.sources, registry.published, strict=False)
        ],
        registry_is_sample=registry.is_sample,
        coverage=[coverage(rulesets, shipment.destination, day, topics, tender=shipment.tender is not None)],
        warnings=([ARRIVAL_PASSED(day=shipment.arrival_date.isoformat())] if arrival_passed else [])
        + registry_warnings(registry) + (ledger.unused_warnings() if ledger else []),
        tool_version=__version__, rulesets_sha256=rulesets_sha256,
        exporter=shipment.exporter, importer=shipment.importer, vessel=shipment.vessel,
        produced_at=produced.isoformat().replace("+00:00", "Z") if produced else None,
        documents_to_obtain=documents_to_obtain(
            items, shipment.arrival_date, produced.date() if produced else None, shipment.departure_date
        ),
        decisions_applied=[d.id for d in ledger.decisions if d.id in ledger.applied] if ledger else [],
        decisions_unused=ledger.unused() if ledger else [],
    )  # fmt: skip


def _judge_items(
    manifest: Manifest,
    rulesets: list[Ruleset],
    registry: Registry,
    day: dt.date,
    chosen: list[tuple[Ruleset, Version | None]],
    engine: Evaluator,
    ledger: Ledger | None,
) -> tuple[list[ItemResult], list[MissingDocument]]:
    """Every item's result, and the documents they miss; checked to be one result per item."""
    shipment_facts = derive(manifest, registry, day)
    # Only versions that speak of this destination go to the engine: the others never apply (their
    # scope is judged without answers), and fewer rules keep a check to one engine ruleset.
    program = Program(tuple((rs, v) for rs, v in chosen if v is not None and speaks_of(v, manifest.shipment)))
    covered = any(covers_destination(rs, manifest.shipment) for rs in rulesets)
    items: list[ItemResult] = []
    missing: list[MissingDocument] = []
    for facts in shipment_facts.items:
        results = _judge_item(facts, shipment_facts, chosen, program, engine, ledger)
        findings = hs_finding(facts)
        if not covered:
            findings.append(destination_finding(manifest.shipment.destination))
        verdict = worst([r.verdict for r in results if r.applies and r.verdict] + finding_verdict(findings))
        items.append(_item_result(facts.item, verdict, findings, results))
        missing += [
            missing_document(facts.item.id, r.ruleset, req) for r in results for req in r.requirements
            if needs_document(req)
        ]  # fmt: skip
    if len(items) != len(manifest.items):
        raise AssertionError("an item was lost between facts and verdicts")
    return items, missing


def _item_result(
    item: Item, verdict: Verdict, findings: list[Finding], results: list[RulesetResult]
) -> ItemResult:
    return ItemResult(
        item_id=item.id, verdict=verdict, findings=findings, rulesets=results, description=item.description,
        machine_type=item.machine_type.value, condition=item.condition.value,
        manufactured=str(item.manufactured), container=item.container, manufacturer=item.manufacturer,
        model=item.model, serial_number=item.serial_number, hs_code=item.hs_code, quantity=item.quantity,
    )  # fmt: skip


def _containers(items: list[ItemResult]) -> list[ContainerResult] | None:
    """Each container's verdict (the worst of its items); None when no item names a container."""
    by: dict[str, list[ItemResult]] = {}
    for it in items:
        if it.container:
            by.setdefault(it.container, []).append(it)
    return [
        ContainerResult(container=c, verdict=worst([i.verdict for i in its]), items=[i.item_id for i in its])
        for c, its in by.items()
    ] or None


def _ruleset_info(rs: Ruleset, v: Version | None) -> RulesetInfo:
    return RulesetInfo(
        id=rs.id, version=v.version if v else None, title=text(rs.title),
        source_confidence=(v.source_confidence if v else None) or rs.source_confidence,
        status=v.status if v else None,
    )  # fmt: skip


ARRIVAL_PASSED = Template(
    "arrival-passed", N_("the arrival date has passed ({day}): order-by dates are not called late")
)
SAMPLE_REGISTRY = Template(
    "registry-sample",
    N_(
        "verdicts rest on SAMPLE accreditation data, not a real registry; pass the current registry "
        "with --registry FILE"
    ),
)
REGISTRY_OVERRIDE = Template(
    "registry-override", N_("accreditation {id} is listed in {earlier} and {later}; {later} wins")
)


def registry_warnings(registry: Registry) -> list[Phrase]:
    """What the reader must know about the accreditation data."""
    out: list[Phrase] = []
    if registry.is_sample:
        out.append(SAMPLE_REGISTRY())
    for acc_id, earlier, later in registry.overridden:
        out.append(REGISTRY_OVERRIDE(id=acc_id, earlier=earlier, later=later))
    return out


def _upcoming(
    manifest: Manifest,
    rulesets: list[Ruleset],
    registry: Registry,
    day: dt.date,
    engine: Evaluator,
    ledger: Ledger | None,
) -> list[Upcoming]:
    """For each ruleset whose next (or first) version starts after ``day``: each item it will apply
    to, judged as of that version's first day."""
    out: list[Upcoming] = []
    for rs in rulesets:
        nxt = rs.next_version_after(day)
        if nxt is None:
            continue
        program = Program(((rs, nxt),))
        future = derive(manifest, registry, nxt.effective_from)
        for facts in future.items:
            if not applicability(rs, nxt, future.shipment, facts).applies:
                continue
            result = _judge_item(facts, future, [(rs, nxt)], program, engine, ledger)[0]
            would_be: Verdict = result.verdict or "clear"
            out.append(
                Upcoming(
                    ruleset=rs.id, version=nxt.version, effective_from=nxt.effective_from.isoformat(),
                    item_id=facts.item.id, would_be=would_be,
                )
            )  # fmt: skip
    return out
