"""The durable-rules adapter: the only module that imports durable_rules.

Driven the way our measurements of durable-rules (docs/engine.md) measured to be safe: one host per process with its
timer threads off; one fresh session (sid) per item; the item's documents and accreditations asserted
first and the item last, in one call to the C engine; actions run synchronously; the session deleted
in ``finally``. A sentinel rule fires for every item, and an "absorb" rule makes every fact handled,
so the engine never refuses a batch (docs/engine.md, trap 4). Every answer is then checked by
``program.verify``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from typing import Any

import durable_rules_engine
from durable import engine as durable_engine

from compliance.judging.checks import LIST_FIELDS, body_token, flag
from compliance.judging.compiler import Compiler, shards, vocabulary
from compliance.judging.facts import AccreditationLookup, DocumentFacts, ItemFacts, to_int
from compliance.judging.program import (
    SENTINEL,
    Answer,
    Program,
    verify,
)
from compliance.models.errors import EngineIntegrityError
from compliance.models.ruleset import (
    ITEM_FIELDS,
    NUMBER_FIELDS,
    scaled_up,
)  # fmt: skip
from compliance.models.vocab import normalise_values

Sink = list[Answer]

SCALAR_FIELDS = (
    "transport_destination", "issuer_role", "delivery", "legalised", "primary_data_share", "software_version",
    "issuer", "functional_unit", "system_boundary", "remanufacturer_code", "preference",
)  # fmt: skip
PRESENCE_FIELDS = (*SCALAR_FIELDS, "sensors", "protocols", "valid_until", "issued")


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A durable Host without the two background timer threads (docs/engine.md, trap 6)."""

    def _run(self) -> None:
        return None


class _Compiled:
    def __init__(self, name: str, ruleset: Any, vocab: dict[str, set[str]]) -> None:
        self.name = name
        self.ruleset = ruleset
        self.vocab = vocab
        self.sink: Sink = []


class DurableEvaluator:
    """Evaluates programs on durable-rules, one item at a time, verifying every answer set."""

    _host: _QuietHost | None = None
    _compiled: dict[str, _Compiled] = {}
    #: The compiled ruleset of the very version objects seen before, without dumping them again
    #: (each check of a run or a server shows the same loaded versions). The versions are kept, so
    #: their ids are never reused by other objects.
    _seen: dict[tuple[int, ...], tuple[Program, tuple[_Compiled, ...]]] = {}
    _lock = threading.Lock()
    _sids = itertools.count(1)

    def _compile(self, program: Program) -> tuple[_Compiled, ...]:
        identity = tuple(id(v) for _, v in program.versions)
        seen = DurableEvaluator._seen.get(identity)
        if seen is not None:
            return seen[1]
        compiled = tuple(self._compile_definition(shard) for shard in shards(program))
        if len(DurableEvaluator._seen) >= 64:  # rulesets loaded anew for each call: keep it bounded
            DurableEvaluator._seen.clear()
        DurableEvaluator._seen[identity] = (program, compiled)
        return compiled

    def _compile_definition(self, program: Program) -> _Compiled:
        # The versions chosen and the whole of each ruleset they come from (its canonical JSON, which the
        # bundle's digest has made already); a version that is not one of its ruleset's own (a copy cut
        # down to one requirement) by its own dump. Rules compiled from other text never share the name.
        chosen = json.dumps(
            [[rs.id, v.version, None if any(v is own for own in rs.versions) else v.model_dump(mode="json")]
             for rs, v in program.versions], sort_keys=True,
        )  # fmt: skip
        whole = {rs.id: rs.canonical_json for rs, _ in program.versions}
        definition_key = chosen + "".join(whole[k] for k in sorted(whole))
        name = "c" + hashlib.sha256(definition_key.encode()).hexdigest()[:20]
        cached = DurableEvaluator._compiled.get(name)
        if cached is not None:
            return cached
        holder: list[_Compiled] = []

        def record(answer: Answer) -> None:
            holder[0].sink.append(answer)

        compiler = Compiler(record)
        for key, req in program.requirements():
            compiler.requirement(key, req)
        rules = compiler.finish()
        if DurableEvaluator._host is None:
            DurableEvaluator._host = _QuietHost()
        # Registration deletes "run" from the dict it is given (and only reads the rest, as JSON): hand it
        # a dict of its own per rule.
        definition = {k: {"all": v["all"], "run": v["run"]} for k, v in rules.items()}
        DurableEvaluator._host.set_rulesets({name: definition})
        compiled = _Compiled(name, DurableEvaluator._host.get_ruleset(name), vocabulary(program))
        holder.append(compiled)
        DurableEvaluator._compiled[name] = compiled
        return compiled

    def evaluate(self, program: Program, facts: ItemFacts) -> frozenset[Answer]:
        """The verified answers of every rule of the program for one item."""
        answers: list[Answer] = []
        with DurableEvaluator._lock:
            shards_ = self._compile(program)
            for compiled in shards_:
                mine = self._run(compiled, facts)
                # Each shard proves it evaluated the item; the program's check then sees one sentinel.
                sentinels = [a for a in mine if a.key == SENTINEL]
                if len(sentinels) != 1:
                    raise EngineIntegrityError(
                        f"item {facts.item.id}: the engine did not evaluate the item "
                        f"(sentinel fired {len(sentinels)}x in {compiled.name})"
                    )
                answers.extend(a for a in mine if a.key != SENTINEL)
            answers.append(sentinels[0] if shards_ else Answer(SENTINEL, SENTINEL, None, None))
        return verify(program, facts, answers)

    @staticmethod
    def _run(compiled: _Compiled, facts: ItemFacts) -> list[Answer]:
        """One shard's answers for one item: its facts in one call, its actions run, its state deleted."""
        sid = str(next(DurableEvaluator._sids))
        compiled.sink = []
        batch = engine_facts(facts, compiled.vocab, sid)
        handle = compiled.ruleset._handle
        try:
            code, state = durable_rules_engine.assert_facts(handle, json.dumps(batch, ensure_ascii=False))
            if code not in (0, 3):
                raise EngineIntegrityError(
                    f"item {facts.item.id}: the engine refused the facts (code {code})"
                )
            errors: list[BaseException] = []

            def done(error: BaseException | None, _state: Any) -> None:
                if error:
                    errors.append(error)

            compiled.ruleset.do_actions(state, done)
            if errors:
                raise EngineIntegrityError(f"item {facts.item.id}: an engine action failed: {errors[0]!r}")
            return list(compiled.sink)
        finally:
            compiled.sink = []
            durable_rules_engine.delete_state(handle, sid)


def _active_before(acc: AccreditationLookup) -> int:
    """The first day (YYYYMMDD) on which the accreditation is no longer active by its status."""
    if acc.status == "active":
        return 99991231
    return to_int(acc.status_since) if acc.status_since is not None else 0


def _document_fact(df: DocumentFacts, vocab: dict[str, set[str]], sid: str) -> dict[str, Any]:
    """A document as the engine reads it: dates as YYYYMMDD integers, list values as flags, numbers
    as scaled integers, and a has_<field> flag for each field it states."""
    d = df.doc
    fact: dict[str, Any] = {
        "sid": sid,
        "id": f"doc:{d.id}",
        "kind": "doc",
        "doc_id": d.id,
        "type": d.type.value,
    }
    if d.issued is not None:
        fact["issued"] = to_int(d.issued)
    if d.valid_until is not None:
        fact["valid_until"] = to_int(d.valid_until)
    for f in LIST_FIELDS:
        present = set(normalise_values(f, list(getattr(d, f))))
        fact.update({flag(f, v): True for v in vocab[f] & present})
    for f in SCALAR_FIELDS:
        value = getattr(d, f)
        if value is None:
            continue
        # Never a float: the C code crashes on exponent forms (5e-05) and compares text otherwise.
        fact[f] = scaled_up(float(value)) if f in NUMBER_FIELDS else value
    for f in PRESENCE_FIELDS:
        value = getattr(d, f)
        if value not in (None, "", []):
            fact[f"has_{f}"] = True
    return fact


def engine_facts(facts: ItemFacts, vocab: dict[str, set[str]], sid: str) -> list[dict[str, Any]]:
    """The durable facts for one item: documents, then accreditations, then the item, last."""
    out: list[dict[str, Any]] = []
    accs: list[dict[str, Any]] = []
    for df in facts.documents:
        d = df.doc
        fact = _document_fact(df, vocab, sid)
        out.append(fact)
        for i, acc in enumerate(df.accreditations):
            if not acc.found:
                continue
            assert acc.valid_from and acc.valid_until and acc.body is not None
            a: dict[str, Any] = {
                "sid": sid, "id": f"acc:{d.id}:{i}", "kind": "acc", "doc_id": d.id, "acc_id": acc.id,
                "body": body_token(acc.body), "valid_from": to_int(acc.valid_from),
                "valid_until": to_int(acc.valid_until), "active_before": _active_before(acc),
            }  # fmt: skip
            a.update({flag("scope", s): True for s in vocab["scope"] & set(acc.scopes)})
            accs.append(a)
    ids = [df.doc.id for df in facts.documents]
    if len(set(ids)) != len(ids):
        # The same fact twice in one session corrupts durable's heap: refuse before the engine sees it.
        raise EngineIntegrityError(f"item {facts.item.id}: a document is shown to the engine twice ({ids})")
    item = facts.item
    item_fact: dict[str, Any] = {
        "sid": sid, "id": "item", "kind": "item", "item_id": item.id, "as_of": to_int(facts.as_of),
        "calendar_age": facts.calendar_age,
    }  # fmt: skip
    for f in sorted(ITEM_FIELDS):
        value = getattr(item, f)
        if value:
            item_fact[f] = value
    batch = [*out, *accs, item_fact]
    for fact in batch:
        for key, value in fact.items():
            if not _engine_readable(value):
                raise EngineIntegrityError(
                    f"item {item.id}: {key} = {value!r} has no form the engine reads safely"
                )
    return batch


_INT64 = 2**63 - 1


def _engine_readable(value: object) -> bool:
    """Booleans, 64-bit integers and strings: what durable's C parser reads as written. No floats."""
    if isinstance(value, bool | str):
        return True
    return isinstance(value, int) and -_INT64 <= value <= _INT64
