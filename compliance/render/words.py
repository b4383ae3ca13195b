"""Where phrases become words: one language per call, from the gettext catalog.

A judged report holds :class:`~compliance.language.phrases.Phrase` objects (codes and parameters). Every
renderer first calls :func:`localize`, which returns the same report with each phrase replaced by its
sentence in one language. A phrase keeps the words made for it, one entry per language (a report is
put in words once per language, and the server makes both); nothing else is shared between two
calls, so two threads can render one report in English and in Vietnamese at once. The JSON renderer
also keeps each phrase's code and parameters beside its sentence (:func:`coded`)."""

from __future__ import annotations

import functools
import typing
from typing import Any

from pydantic import BaseModel

from compliance.language.i18n import gettext
from compliance.language.labels import label
from compliance.language.phrases import JOIN, NUMBER, SENTENCE, TEXT, WORD, Phrase
from compliance.models.report import Report

#: English spells out the counts the law spells out ("over five years"); Vietnamese reads digits.
_SPELLED = {5: "five", 10: "ten"}


def words(value: Any, lang: str) -> str:
    """The words of a phrase (or of a plain value) in ``lang``."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Phrase):
        if hasattr(value, "translations"):
            return str(value.get(lang))
        return str(value)
    made = value.words_in(lang)
    if made is None:
        made = _made_words(value, lang)
        value.keep_words(lang, made)
    return made


def _made_words(value: Phrase, lang: str) -> str:
    p = dict(value.params)
    code = value.code
    if code == JOIN:
        how = p["how"]
        sep = f" {gettext(how, lang)} " if how in ("or", "and") else how
        return sep.join(words(v, lang) for v in p["items"])
    if code == WORD:
        if lang == "en":
            return str(p["code"]).replace("_", " ") if p["english"] == "spaced" else str(p["code"])
        return label(p["kind"], p["code"], lang)
    if code == TEXT:
        return str(p["text"].get(lang))
    if code == SENTENCE:
        s = words(p["value"], lang).strip()
        return s[:1].upper() + s[1:]
    if code == NUMBER:
        n = p["value"]
        return _SPELLED.get(n, str(n)) if lang == "en" else str(n)
    template = gettext(value.template, lang)
    return template.format(**{k: words(v, lang) for k, v in value.params})


def said(value: Phrase | str) -> str:
    """A sentence of a localized report (a renderer's input): a phrase left here is a bug."""
    if isinstance(value, Phrase):
        raise TypeError(f"phrase {value.code} reached a renderer unlocalized")
    return value


def _localized(value: Any, lang: str) -> Any:
    if isinstance(value, Phrase):
        return words(value, lang).strip()
    if isinstance(value, BaseModel):
        return localize_model(value, lang)
    if isinstance(value, list):
        return [_localized(v, lang) for v in value]
    return value


def localize_model(model: Any, lang: str) -> Any:
    """A copy of a result model with every phrase in it replaced by its words in ``lang``."""
    update: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        new = _localized(value, lang)
        if new is not value:
            update[name] = new
    return model.model_copy(update=update) if update else model


def localize(report: Report, lang: str) -> Report:
    """The report as a renderer reads it: every sentence in ``lang``, and ``lang`` said."""
    if report.lang == lang and not _has_phrases(report):
        return report
    out: Report = localize_model(report, lang)
    return out.model_copy(update={"lang": lang})


def _has_phrases(model: BaseModel) -> bool:
    for name in type(model).model_fields:
        value = getattr(model, name)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, Phrase) or (isinstance(v, BaseModel) and _has_phrases(v)):
                return True
    return False


def coded(model: BaseModel, lang: str, dumped: dict[str, Any] | None = None) -> dict[str, Any]:
    """A result model as JSON data: each sentence in ``lang`` under its contract key, and beside it the
    phrase's code and parameters (``message_code``, ``message_params``; a list of sentences such as
    ``problems`` gets ``problems_codes``, one ``{code, params}`` per sentence). The ruleset author's own
    texts (titles, actions) are words only: they are not findings."""
    if dumped is None:  # dumped once, at the top; nested models read their part of it
        dumped = model.model_dump(mode="json")
    data: dict[str, Any] = {}
    plain = _plain_fields(type(model))
    for name in type(model).model_fields:
        if name in plain:
            data[name] = dumped[name]
            continue
        value = getattr(model, name)
        if isinstance(value, Phrase):
            data[name] = words(value, lang).strip()
            if value.code == JOIN and any(isinstance(v, Phrase) for v in value.param("items")):
                # Several findings in one sentence (two open questions): each keeps its code.
                data[f"{name}_codes"] = [v.data() for v in value.param("items") if isinstance(v, Phrase)]
            elif _is_finding(value):
                found = value.data()
                data[f"{name}_code"] = found["code"]
                data[f"{name}_params"] = found["params"]
        elif isinstance(value, BaseModel):
            data[name] = coded(value, lang, dumped[name])
        elif isinstance(value, list) and any(isinstance(v, Phrase) for v in value):
            data[name] = [words(v, lang).strip() for v in value]
            data[f"{name}_codes"] = [v.data() for v in value if isinstance(v, Phrase) and _is_finding(v)]
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            data[name] = [coded(v, lang, d) for v, d in zip(value, dumped[name], strict=True)]
        else:
            data[name] = dumped[name]
    return data


@functools.cache
def _plain_fields(cls: type[BaseModel]) -> frozenset[str]:
    """The fields of a result model whose type holds no phrase and no model: their dumped data is
    their JSON as it is (a report has some sixty models, each put in words once per language)."""
    return frozenset(name for name, f in cls.model_fields.items() if not _holds_structure(f.annotation))


def _holds_structure(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, Phrase | BaseModel):
        return True
    return any(_holds_structure(a) for a in typing.get_args(annotation))


def _is_finding(value: Phrase) -> bool:
    return value.code not in (TEXT, SENTENCE, WORD, NUMBER, JOIN)
