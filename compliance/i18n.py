"""The product's own words in the user's language: gettext catalogs read through Babel.

Ruleset texts (titles, actions, issuers) carry their own translations; this module covers everything
else: headings, statuses, and the sentences the verdicts build (reasons, problems, warnings). The
catalogs are `compliance/locale/<lang>/LC_MESSAGES/messages.po`, compiled in memory on first use, so a
stale `.mo` file can never disagree with the `.po` file a translator edited. `make messages`
re-extracts and merges them; a test fails when a string in the code has no Vietnamese translation.

The language is a context variable set by :func:`override` around one check, the way Django and
Flask-Babel scope a request's language, so the verdict code says ``_("...")`` without threading a
translator through every function.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES: tuple[str, ...] = ("en", "vi")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("compliance_lang", default=DEFAULT_LANGUAGE)


@cache
def translations(lang: str) -> NullTranslations:
    """The catalog of one language; English is the source language and needs none."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; known: {', '.join(LANGUAGES)}")
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == DEFAULT_LANGUAGE or not path.exists():
        return NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    # Fuzzy entries are a translator's unfinished work: leave them out, as msgfmt does.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def current_language() -> str:
    return _current.get()


@contextmanager
def override(lang: str) -> Iterator[None]:
    """Speak ``lang`` inside the block (and restore the previous language after it)."""
    translations(lang)  # unknown languages fail here, before any work
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """``message`` in the current language (unchanged in English)."""
    lang = _current.get()
    if lang == DEFAULT_LANGUAGE:
        return message
    return translations(lang).gettext(message)


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction only; it is translated where it is shown."""
    return message


def format_date(value: str | dt.date | None, lang: str, *, style: str = "long") -> str:
    """A date in the locale's form (``23 November 2026`` / ``23 tháng 11, 2026``); '' for none."""
    if value is None or value == "":
        return ""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return _babel_format_date(day, format=style, locale=_locale(lang))


@cache
def _locale(lang: str) -> Locale:
    # en_GB: day-month-year, as forwarders in Asia and Europe read dates; en_US would put the month first.
    return Locale.parse("en_GB" if lang == "en" else lang)
