"""The product's own words exist in Vietnamese, with the same placeholders, and load the right way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from compliance.language import i18n
from compliance.language.labels import TABLES, label

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "compliance" / "locale" / "vi" / "LC_MESSAGES" / "messages.po"


def _extracted() -> set[str | tuple[str, str]]:
    """Every string the code and templates mark, read the way `make messages` reads them."""
    method_map = [("compliance/**.py", "python"), ("templates/**.j2", "jinja2")]
    options = {
        "templates/**.j2": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    }
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    out: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options, keywords=keywords
    ):
        out.add(message if isinstance(message, str) else (message[0], message[1]))
    return out


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text)) | set(re.findall(r"%\((\w+)\)", text))


def test_every_marked_string_has_a_vietnamese_translation() -> None:
    catalog = read_po(CATALOG.open("rb"), locale="vi")
    wanted = _extracted()
    assert len(wanted) > 150
    problems = []
    for msgid in sorted(wanted, key=str):
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"not in the catalog (run make messages): {msgid!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {msgid!r}")
            continue
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        for s in strings:
            if _placeholders(s) != _placeholders(ids[0]):
                problems.append(f"placeholders differ: {msgid!r} -> {s!r}")
    assert not problems, "\n".join(problems)


def test_every_vocabulary_code_has_a_word() -> None:
    from compliance.models.vocab import Condition, DocumentType, MachineType

    for kind, enum in (
        ("document_type", DocumentType),
        ("machine_type", MachineType),
        ("condition", Condition),
    ):
        assert set(TABLES[kind]) == {m.value for m in enum}, kind
        for member in enum:
            assert label(kind, member.value, "vi") != label(kind, member.value, "en") or kind == "condition"


def test_gettext_speaks_the_language_asked_and_refuses_unknown_ones() -> None:
    assert i18n.gettext("missing", "en") == "missing"
    assert i18n.gettext("missing", "vi") == "còn thiếu"
    with pytest.raises(ValueError):
        i18n.gettext("missing", "fr")


def test_dates_in_the_locale_form() -> None:
    assert i18n.format_date("2026-07-15", "en") == "15 July 2026"
    assert i18n.format_date("2026-07-15", "vi") == "15 tháng 7, 2026"
