"""Validating loaded data against a model, with every error placed at its file and line."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from compliance.models.errors import ComplianceError, InputError
from compliance.models.vocab import closest
from compliance.reading.loading import Loc, Located

M = TypeVar("M", bound=BaseModel)


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model accepts at ``loc`` (for "did you mean"), best effort."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        annotation = fields[part].annotation
        current = _model_in(annotation)
        if current is None:
            return []
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


_PYDANTIC_TAG = re.compile(r"^(function-[a-z]+|[a-z][a-z-]*)\[.*\]$")


def user_loc(err: dict[str, Any]) -> Loc:
    """An error's location as the user wrote it: pydantic's own tags (``function-after[...]``,
    ``list[...]``) removed. The unknown key of an ``extra_forbidden`` error is the user's own word,
    kept whatever it looks like (a key "a[0]" is not a tag)."""
    raw = tuple(err["loc"])
    keep_last = err["type"] == "extra_forbidden" and raw
    body = raw[:-1] if keep_last else raw
    cleaned = tuple(p for p in body if not (isinstance(p, str) and _PYDANTIC_TAG.match(p)))
    return (*cleaned, raw[-1]) if keep_last else cleaned


def describe(model: type[BaseModel], err: dict[str, Any]) -> str:
    loc = user_loc(err)
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(model, loc)
        import difflib  # only for a misspelt key, not on every start

        guess = difflib.get_close_matches(key, allowed, n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else ""
        expected = f" Expected one of: {', '.join(allowed)}." if allowed else ""
        return f"unknown key '{key}'{hint}{expected}"
    if kind == "missing":
        return "required field is missing"
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind == "enum" or kind == "literal_error":
        got = err.get("input")
        choices = [
            str(e).strip("'") for e in re.findall(r"'[^']*'", str((err.get("ctx") or {}).get("expected", "")))
        ]
        meant = closest(str(got), choices) if isinstance(got, str) and choices else None
        suggestion = f"; did you mean '{meant}'?" if meant and meant != got else ""
        return f"'{got}' is not allowed{suggestion}; {msg[0].lower()}{msg[1:]}"
    return msg[0].lower() + msg[1:] if msg else msg


def validate(model: type[M], located: Located, *, base: Loc = ()) -> M:
    """Validate plain data as ``model``; a failure names the file, the line and the field."""
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        problems: list[ComplianceError] = []
        # A typo both adds an unknown key and leaves a required one missing: report the typo first.
        for err in sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden"):
            full = (*base, *user_loc(dict(err)))
            problems.append(
                InputError(
                    describe(model, dict(err)),
                    file=located.path,
                    line=located.line_of(full),
                    field=dotted(full) or None,
                )
            )
        raise InputErrors(problems) from None


class InputErrors(InputError):
    """Several problems in one file, reported together, the first one's place leading."""

    def __init__(self, problems: list[ComplianceError]) -> None:
        first = problems[0]
        super().__init__(first.message, file=first.file, line=first.line, field=first.field)
        self.problems = problems

    def __str__(self) -> str:
        shown = [ComplianceError.__str__(p) for p in self.problems[:20]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problems")
        return "\n".join(shown)
