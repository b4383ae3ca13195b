"""Findings as data: every sentence a verdict carries is a phrase, a stable code with its parameters.

Judging builds phrases and never words: no module below rendering knows a language, so one judged
report can be rendered in English and in Vietnamese at the same time (a server answering two users).
`compliance.render.words` turns a phrase into words in one language, through the gettext catalog;
the JSON result carries each sentence in the requested language and, beside it, the code and the
parameters (``message`` / ``message_code`` / ``message_params``), the way flake8 hands one violation
type, code and arguments, to every formatter.

A phrase's code names what was found (``document-expired``); its template is the English sentence,
which is also the catalog's key. Codes are registered once, at import: the same code twice is a bug
caught when the module loads, and :data:`TEMPLATES` lists every code the product can emit.

A few structural codes compose phrases without words of their own: a list joined by "or", "and" or a
separator; a vocabulary word (a machine type, a document type) shown as its code in English and as
the translated word elsewhere; the ruleset's own text in the reader's language; a sentence starting
with a capital; a small number spelled out in English ("over five years").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, Union

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema


class Localized(Protocol):
    """Text written in several languages by a ruleset's author (the ruleset model's ``Text``)."""

    def get(self, lang: str) -> str: ...

    @property
    def translations(self) -> Mapping[str, str]: ...


Param = Union[str, int, "Phrase", Localized]

#: Every code the product emits, with its English template (also the gettext key).
TEMPLATES: dict[str, str] = {}

# Structural codes: they compose other phrases and carry no sentence of their own.
JOIN = "join"
WORD = "word"
TEXT = "text"
SENTENCE = "sentence"
NUMBER = "number"
STRUCTURAL = frozenset({JOIN, WORD, TEXT, SENTENCE, NUMBER})


class Phrase:
    """A code, the English template it stands for, and its parameters; immutable and hashable."""

    __slots__ = ("code", "params", "template", "_data", "_words")

    code: str
    template: str
    params: tuple[tuple[str, Any], ...]
    _data: Any
    _words: dict[str, str] | None

    def __init__(self, code: str, template: str, params: Mapping[str, Any]) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "params", tuple(params.items()))
        # Made on first use and kept: a report's phrases are dumped once and put in words once per
        # language, and a phrase shared by two findings is not made again (immutable, so never stale).
        object.__setattr__(self, "_data", None)
        object.__setattr__(self, "_words", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a phrase is immutable")

    def param(self, name: str) -> Any:
        return dict(self.params)[name]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Phrase) and (self.code, self.template, self.params) == (
            other.code,
            other.template,
            other.params,
        )

    def __hash__(self) -> int:
        return hash((self.code, self.params))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params)
        return f"Phrase({self.code}: {args})"

    def data(self) -> Any:
        """The phrase as JSON data (no words): ``{"code", "params"}``; structural phrases as their value.
        Shared by every caller: read it, never modify it."""
        if self._data is None:
            object.__setattr__(self, "_data", self._made_data())
        return self._data

    def words_in(self, lang: str) -> str | None:
        """The phrase's words in ``lang`` if made before (`compliance.render.words` makes them)."""
        return self._words.get(lang) if self._words is not None else None

    def keep_words(self, lang: str, text: str) -> None:
        made = self._words
        if made is None:
            made = {}
            object.__setattr__(self, "_words", made)
        made[lang] = text

    def _made_data(self) -> Any:
        p = dict(self.params)
        if self.code == JOIN:
            return [_data(v) for v in p["items"]]
        if self.code == WORD:
            return p["code"]
        if self.code == TEXT:
            return dict(p["text"].translations)
        if self.code in (SENTENCE, NUMBER):
            return _data(p["value"])
        return {"code": self.code, "params": {k: _data(v) for k, v in self.params}}

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # Stored as is in report models (no validation: phrases are built by our own code), dumped as data.
        return core_schema.is_instance_schema(
            cls, serialization=core_schema.plain_serializer_function_ser_schema(lambda p: p.data())
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # In the published result a sentence is its words (its code and parameters sit beside it).
        return {"type": "string"}


def _data(value: Any) -> Any:
    if isinstance(value, Phrase):
        return value.data()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return dict(value.translations)


class Template:
    """A registered code and its English sentence; calling it with the parameters makes a phrase."""

    __slots__ = ("code", "text")

    def __init__(self, code: str, text: str) -> None:
        if code in TEMPLATES or code in STRUCTURAL:
            raise ValueError(f"phrase code {code!r} is registered twice")
        TEMPLATES[code] = text
        self.code = code
        self.text = text

    def __call__(self, **params: Param) -> Phrase:
        return Phrase(self.code, self.text, params)


def join(items: list[Any] | tuple[Any, ...], how: str = ", ") -> Phrase:
    """Items joined by a separator (``", "``, ``"; "``, ``" "``) or by the words "or" / "and"."""
    return Phrase(JOIN, "", {"items": tuple(items), "how": how})


def word(kind: str, code: str, *, english: str = "code") -> Phrase:
    """A vocabulary code in a sentence: in English the code itself (``english="code"``) or the code
    with spaces (``"spaced"``), elsewhere the translated word of the ``kind`` table."""
    return Phrase(WORD, "", {"kind": kind, "code": code, "english": english})


def text(value: Localized) -> Phrase:
    """The ruleset author's own words, in the reader's language."""
    return Phrase(TEXT, "", {"text": value})


def sentence(value: Param) -> Phrase:
    """The words of ``value`` with a capital first letter (an action read as a sentence)."""
    return Phrase(SENTENCE, "", {"value": value})


def number(value: int) -> Phrase:
    """A count of years: spelled out in English where the law does ("over five years"), digits elsewhere."""
    return Phrase(NUMBER, "", {"value": value})


def walk(value: Any) -> list[Phrase]:
    """Every phrase in a sentence (or a list of them), outermost first."""
    out: list[Phrase] = []
    if isinstance(value, Phrase):
        out.append(value)
        for _, v in value.params:
            out.extend(walk(v))
    elif isinstance(value, tuple | list):
        for v in value:
            out.extend(walk(v))
    return out


def codes(value: Any) -> list[str]:
    """Every non-structural code in a phrase, outermost first (tests and explain read them)."""
    return [p.code for p in walk(value) if p.code not in STRUCTURAL]
