"""Field types shared by the models: dates, country codes, identifiers."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict


def empty_list() -> list[Any]:
    """An empty list, as a pydantic default factory. A function of ours rather than the builtin
    `list`: pydantic reads every factory's signature when it builds a model, and a builtin's is parsed
    from text, about 0.1 ms each for some forty fields at every start of the command line."""
    return []


class Model(BaseModel):
    """Base of every input model: unknown keys are errors, instances are immutable."""

    # Attribute docstrings describe the fields in the published schemas; they are read when a schema is
    # printed (compliance.models.schemas), not at import, where reading the source cost a fifth of a check.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT.*")
_YEAR = re.compile(r"\s*\d{4}\s*")
_ALPHA_2 = re.compile(r"[A-Z]{2}")


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        found = (_date_of_text if len(value) <= TEXT_KEPT else _read_date)(value)
        if found is not None:
            return found
    raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}")


def _read_date(value: str) -> dt.date | None:
    """A date as written, or None."""
    text = value.strip()
    try:
        return dt.date.fromisoformat(text[:10] if _TIMESTAMP.fullmatch(text) else text)
    except ValueError:
        return None


#: Texts read once each, up to this length: a stock's documents file repeats a few hundred dates
#: among hundreds of thousands of documents (a date is immutable, so sharing it is safe); a longer
#: text is no date and is not kept (a long-lived server would otherwise hold a hostile file's).
TEXT_KEPT = 64
_date_of_text = functools.lru_cache(maxsize=8192)(_read_date)


Date = Annotated[dt.date, BeforeValidator(_to_date)]


def _to_year_or_date(value: Any) -> dt.date | int:
    if isinstance(value, bool):
        raise ValueError(f"expected a date YYYY-MM-DD or a year, got {value!r}")
    if isinstance(value, int):
        year = value
    elif isinstance(value, str) and _YEAR.fullmatch(value):
        year = int(value)
    else:
        return _to_date(value)
    if not 1900 <= year <= 2100:
        raise ValueError(f"year {year} is out of range 1900..2100")
    return year


#: A manufacture date: a full date, or a bare year when the day is unknown.
YearOrDate = Annotated[dt.date | int, BeforeValidator(_to_year_or_date)]


@functools.cache
def _alpha_2_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes of pycountry's database, read from its file without importing
    pycountry: the import (which reads every installed distribution's metadata) and its index of
    country objects cost a one-item check about 6 ms, the file 0.6 ms. Should the file move in a later
    pycountry, its import answers instead."""
    spec = importlib.util.find_spec("pycountry")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        database = Path(folder) / "databases" / "iso3166-1.json"
        if database.is_file():
            return frozenset(entry["alpha_2"] for entry in json.loads(database.read_bytes())["3166-1"])
    import pycountry

    return frozenset(country.alpha_2 for country in pycountry.countries)


def country_code(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 3166-1 alpha-2 country code such as VN, got {value!r}")
    code = value.strip().upper()
    if not _ALPHA_2.fullmatch(code) or code not in _alpha_2_codes():
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code (e.g. VN, TH, ID, DE)")
    return code


Country = Annotated[str, BeforeValidator(country_code)]


def _identifier(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _text(value: Any) -> Any:
    # Numbers are accepted for identifiers in JSON (an item id 1 is still an id) but kept as text.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Identifier = Annotated[str, BeforeValidator(_text), AfterValidator(_identifier)]
