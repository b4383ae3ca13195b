"""The product's own words in the user's language: gettext catalogs read through Babel.

Ruleset texts (titles, actions, issuers) carry their own translations; this module covers everything
else: headings, statuses, and the sentences the verdicts build (reasons, problems, warnings). The
catalogs are `compliance/locale/<lang>/LC_MESSAGES/messages.po`, compiled in memory on first use, so a
stale `.mo` file can never disagree with the `.po` file a translator edited. `make messages`
re-extracts and merges them; a test fails when a string in the code has no Vietnamese translation.

No module below rendering knows a language: judging builds phrases (codes and parameters, see
`compliance.language.phrases`) and a renderer asks this module for the words of one language at a time.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Babel is imported where a word is translated: English JSON never needs it.
    from babel import Locale
    from babel.support import NullTranslations

LANGUAGES: tuple[str, ...] = ("en", "vi")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent.parent / "locale"
DOMAIN = "messages"


@cache
def translations(lang: str) -> NullTranslations:
    """The catalog of one language; English is the source language and needs none."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import NullTranslations, Translations

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


def gettext(message: str, lang: str) -> str:
    """``message`` in ``lang`` (unchanged in English)."""
    if lang == DEFAULT_LANGUAGE:
        return message
    return translations(lang).gettext(message)


def N_(message: str) -> str:
    """Mark a string for extraction only; it is translated where it is shown."""
    return message


def format_date(value: str | dt.date | None, lang: str, *, style: str = "long") -> str:
    """A date in the locale's form (``23 November 2026`` / ``23 tháng 11, 2026``); '' for none."""
    from babel.dates import format_date as _babel_format_date

    if value is None or value == "":
        return ""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return _babel_format_date(day, format=style, locale=_locale(lang))


@cache
def _locale(lang: str) -> Locale:
    from babel import Locale

    # en_GB: day-month-year, as forwarders in Asia and Europe read dates; en_US would put the month first.
    return Locale.parse("en_GB" if lang == "en" else lang)
