"""The Vietnamese words follow docs/glossary.md: no avoided word anywhere, and each English term that
a catalog entry contains is translated by the glossary's word."""

from __future__ import annotations

import re

import yaml
from babel.messages.pofile import read_po
from helpers import ROOT

GLOSSARY = ROOT / "docs" / "glossary.md"
CATALOG = ROOT / "compliance" / "locale" / "vi" / "LC_MESSAGES" / "messages.po"


def _terms() -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("English", "---") and not set(cells[0]) <= {"-"}:
            rows.append((cells[0], cells[1], [a.strip() for a in cells[2].split(",") if a.strip()]))
    return rows


def _vietnamese_texts() -> list[tuple[str, str]]:
    """(English, Vietnamese) pairs: every catalog entry and every ruleset text with a vi."""
    with CATALOG.open("rb") as fh:
        pairs = [(str(m.id), str(m.string)) for m in read_po(fh) if m.id and m.string]
    for path in (ROOT / "rulesets").glob("*.yaml"):
        if path.name.endswith(".cases.yaml"):
            continue

        def walk(node: object) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("en"), str) and isinstance(node.get("vi"), str):
                    pairs.append((node["en"], node["vi"]))
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return pairs


def test_the_glossary_is_read() -> None:
    assert len(_terms()) >= 8


def test_no_avoided_word_in_vietnamese_text() -> None:
    bad = [
        (vi, avoid)
        for _, vi, avoided in _terms()
        for en, text in _vietnamese_texts()
        for avoid in avoided
        if avoid.casefold() in text.casefold()
    ]
    assert bad == []


def test_english_terms_are_translated_by_the_glossary_word() -> None:
    checked = {"carbon footprint": "dấu chân carbon", "accreditation registry": "danh sách công nhận"}
    glossary = {en.casefold(): vi for en, vi, _ in _terms()}
    misses = []
    for en_term, vi_word in checked.items():
        assert glossary[en_term] == vi_word
        pattern = re.compile(en_term.replace(" ", r"[\s-]"), re.IGNORECASE)
        for en, vi in _vietnamese_texts():
            if pattern.search(en) and vi_word.casefold() not in vi.casefold():
                misses.append((en, vi))
    assert misses == []
