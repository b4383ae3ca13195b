"""Compiling a program (the ruleset versions in force) into durable-rules rulesets, as plain data:
the rules of each requirement, the flags the facts must carry, and the split into shards that each
fit one engine ruleset. No durable import here: the engine adapter registers what this builds."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

from compliance.judging.checks import LIST_FIELDS, Pattern, kind_of
from compliance.judging.program import MISSING, NOT_EXPIRED, NOT_FUTURE, OFFERED, SENTINEL, Answer, Program
from compliance.models.errors import EngineIntegrityError
from compliance.models.ruleset import ITEM_FIELDS, Check, ItemCheck, Requirement, Ruleset, Version


def _doc_pattern(doc_type: str, extra: list[Pattern]) -> Pattern:
    # Cross-pattern references go first and no "$or" ever shares a pattern with them: measured here,
    # an "$or" placed before a reference in the same "$and" makes durable ignore the reference, and a
    # reference inside an "$or" fails (error 311) or crashes. So every disjunction is compiled into
    # separate, mutually exclusive rules instead (see _alternatives).
    refs = [c for c in extra if _has_ref(c)]
    plain = [c for c in extra if not _has_ref(c)]
    return {"$and": [*refs, {"kind": "doc"}, {"type": doc_type}, *plain]}


def _has_ref(cond: Pattern) -> bool:
    text = json.dumps(cond)
    return '{"d": ' in text or '{"i": ' in text


def _item_check_condition(check: ItemCheck) -> Pattern:
    assert check.calendar_age_at_most is not None
    return {"$lte": {"calendar_age": check.calendar_age_at_most}}


class Compiler:
    """Rules as durable data, one requirement at a time; every rule's action records an Answer."""

    def __init__(self, record: Callable[[Answer], None]) -> None:
        self.record = record
        self.rules: dict[str, dict[str, Any]] = {}
        #: Each rule's answer kind, by rule name.
        self.kinds: dict[str, str] = {}
        self.counter = itertools.count()

    def add(self, key: str, kind: str, patterns: list[dict[str, Pattern]]) -> None:
        name = f"r{next(self.counter)}"
        record = self.record
        has_d = any("d" in p for p in patterns)
        has_a = any("a" in p for p in patterns)

        def action(c: Any) -> None:
            d = c.d if has_d else None
            a = c.a if has_a else None
            record(Answer(key, kind, d["doc_id"] if d else None, a["acc_id"] if a else None))

        self.rules[name] = {"all": patterns, "run": action}
        self.kinds[name] = kind

    def requirement(self, key: str, req: Requirement) -> None:
        item: dict[str, Pattern] = {"i": {"kind": "item"}}
        for j, ic in enumerate(req.item_checks):
            self.add(key, f"i{j}", [{"i": {"$and": [{"kind": "item"}, _item_check_condition(ic)]}}])
        if not req.documents:
            return
        types = [t.value for t in req.documents]
        # Negation sees only facts asserted before the item (docs/engine.md, trap 8): documents
        # always go first.
        self.add(key, MISSING, [item, *({f"d{n}$not": _doc_pattern(t, [])} for n, t in enumerate(types))])
        for t in types:
            self.add(key, OFFERED, [item, {"d": _doc_pattern(t, [])}])
            # A document without an issue date (or without an end of validity) is not judged on it:
            # the absence is a rule of its own, guarded by the positive kind/type conditions
            # (docs/engine.md, trap 8).
            self.add(key, NOT_FUTURE, [item, {"d": _doc_pattern(t, [{"$lte": {"issued": {"i": "as_of"}}}])}])
            self.add(key, NOT_FUTURE, [item, {"d": _doc_pattern(t, [{"$nex": {"issued": 1}}])}])
            self.add(
                key, NOT_EXPIRED, [item, {"d": _doc_pattern(t, [{"$gte": {"valid_until": {"i": "as_of"}}}])}]
            )
            self.add(key, NOT_EXPIRED, [item, {"d": _doc_pattern(t, [{"$nex": {"valid_until": 1}}])}])
        for prefix, checks in (("c", req.checks), ("r", req.review_when)):
            for j, check in enumerate(checks):
                self.check(key, f"{prefix}{j}", types, check)

    def check(self, key: str, kind: str, types: list[str], check: Check) -> None:
        for t in types:
            if check.for_types is not None and t not in check.for_types:
                # The check does not concern this document type: it holds for it.
                self.add(key, kind, [{"i": {"kind": "item"}}, {"d": _doc_pattern(t, [])}])
                continue
            for doc_conds, item_conds, acc in kind_of(check).alternatives(check):
                i_pat: Pattern = {"$and": [{"kind": "item"}, *item_conds]} if item_conds else {"kind": "item"}
                patterns: list[dict[str, Pattern]] = [{"i": i_pat}, {"d": _doc_pattern(t, doc_conds)}]
                if acc is not None:
                    patterns.append({"a": {"$and": acc}})
                self.add(key, kind, patterns)

    def finish(self) -> dict[str, dict[str, Any]]:
        self.add(SENTINEL, SENTINEL, [{"i": {"kind": "item"}}])
        # Matches every document and accreditation but never fires: no fact is ever "not handled".
        self.rules["absorb"] = {
            "all": [{"x": {"$or": [{"kind": "doc"}, {"kind": "acc"}]}}, {"n": {"kind": "never"}}],
            "run": lambda c: None,
        }
        return self.rules


def item_reads_of_document_rules(program: Program) -> dict[str, set[str]]:
    """Per requirement key, the item facts its rules about documents read: their item pattern's
    fields and every reference to the item (``{"i": "as_of"}``). An inventory judges a requirement's
    documents once for all machines alike in these, and each document on its own (`inventory.parts`),
    so it reads this first; a rule naming two documents is refused here."""
    reads: dict[str, set[str]] = {}
    for key, compiler in _compiled_alone(program):
        found = reads[key] = set()
        for rule in compiler.rules.values():
            patterns: list[dict[str, Pattern]] = rule["all"]
            if not any(name.startswith("d") for p in patterns for name in p):
                continue
            if sum(1 for p in patterns for name in p if name == "d") > 1:
                # Answers for several documents would no longer be those for each alone.
                raise EngineIntegrityError(f"{key}: a rule names two documents")
            found |= _item_reads(patterns)
    return reads


def day_reads(program: Program) -> dict[str, dict[str, set[str]]]:
    """Per requirement key, per kind of its rules that read the day, the facts of the day they read:
    the item's ``as_of`` or a fact derived from it (``calendar_age``), tested or referenced. An
    inventory judged on several days shows the engine a document once for all days alike in what
    these rules compare, and shares verdicts between such days (`inventory.plan`)."""
    out: dict[str, dict[str, set[str]]] = {}
    for key, compiler in _compiled_alone(program):
        found = out[key] = {}
        for name, rule in compiler.rules.items():
            read = _item_reads(rule["all"]) - ITEM_FIELDS - {"kind"}
            if read:
                found.setdefault(compiler.kinds[name], set()).update(read)
    return out


def _compiled_alone(program: Program) -> list[tuple[str, Compiler]]:
    """Each requirement's rules, compiled on their own."""
    out: list[tuple[str, Compiler]] = []
    for key, req in program.requirements():
        compiler = Compiler(lambda answer: None)
        compiler.requirement(key, req)
        out.append((key, compiler))
    return out


def _item_reads(patterns: list[dict[str, Pattern]]) -> set[str]:
    """What a rule's patterns read of the item: the fields its item pattern tests, and every
    reference to an item fact from another pattern."""
    read: set[str] = set()
    for p in patterns:
        for name, pattern in p.items():
            if name == "i":
                _fields_tested(pattern, read)
            _item_references(pattern, read)
    return read


def _fields_tested(pattern: object, out: set[str]) -> None:
    if isinstance(pattern, list):
        for p in pattern:
            _fields_tested(p, out)
    elif isinstance(pattern, dict):
        for k, v in pattern.items():
            if k.startswith("$"):
                _fields_tested(v, out)
            else:
                out.add(k)


def _item_references(pattern: object, out: set[str]) -> None:
    if isinstance(pattern, list):
        for p in pattern:
            _item_references(p, out)
    elif isinstance(pattern, dict):
        if set(pattern) == {"i"} and isinstance(pattern["i"], str):
            out.add(pattern["i"])
            return
        for v in pattern.values():
            _item_references(v, out)


def vocabulary(program: Program) -> dict[str, set[str]]:
    """Which list values and accreditation scopes the program tests: only these become flags,
    which keeps every fact far below durable's 255-property limit."""
    vocab: dict[str, set[str]] = {f: set() for f in LIST_FIELDS}
    vocab["scope"] = set()
    for _, req in program.requirements():
        for check in [*req.checks, *req.review_when]:
            for field, values in kind_of(check).flags(check).items():
                vocab[field].update(values)
    return vocab


#: Rules one durable ruleset holds at most. Every rule joins on the item fact, and durable refuses a
#: ruleset whose item node has more than 256 successors (error 108, ERR_RULE_BETA_LIMIT_EXCEEDED):
#: a program with more rules is judged in several rulesets (shards), with room to spare.
SHARD_RULES = 200


def rule_count(program: Program) -> int:
    """How many durable rules the program compiles into (its sentinel and catch-all included)."""
    compiler = Compiler(lambda answer: None)
    for key, req in program.requirements():
        compiler.requirement(key, req)
    return len(compiler.finish())


def shards(program: Program) -> list[Program]:
    """The program's versions in groups of at most SHARD_RULES rules, in order (a version is never
    split: its requirements' answers are verified together)."""
    out: list[list[tuple[Ruleset, Version]]] = []
    size = 0
    for rs, v in program.versions:
        n = rule_count(Program(((rs, v),))) - 2  # the sentinel and catch-all are counted once a shard
        if n + 2 > SHARD_RULES:
            raise EngineIntegrityError(
                f"{rs.id} version {v.version} compiles into {n} rules, more than one engine ruleset holds"
            )
        if not out or size + n + 2 > SHARD_RULES:
            out.append([])
            size = 0
        out[-1].append((rs, v))
        size += n
    return [Program(tuple(group)) for group in out] or [program]
