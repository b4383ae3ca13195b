"""The cache of parsed rulesets: a cached file reads exactly as a parsed one, and a damaged, planted,
unwritable or turned-off cache never changes what is read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import ROOT

from compliance.models.errors import ComplianceError
from compliance.reading import parsed_cache
from compliance.reading.inputs import load_ruleset, ruleset_files
from compliance.reading.loading import load_file

SHIPPED = ruleset_files(ROOT / "rulesets")


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(folder))
    return folder


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.json"))


def _parsed(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, dict[object, object]]:
    with monkeypatch.context() as m:
        m.setenv("COMPLIANCE_CACHE_DIR", "")
        plain = load_file(path)
    return plain.data, dict(plain.lines)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_shipped_ruleset_read_from_the_cache_is_what_parsing_it_gives(path, cache, monkeypatch):
    expected = _parsed(path, monkeypatch)
    first = load_file(path, cached=True)
    assert len(_entries(cache)) == 1
    second = load_file(path, cached=True)  # from the entry
    for got in (first, second):
        assert (got.data, dict(got.lines), got.sha256) == (*expected, first.sha256)
    assert load_ruleset(path) == load_ruleset(path)


def test_a_damaged_entry_is_a_miss_and_is_written_anew(cache, monkeypatch):
    path = SHIPPED[0]
    load_file(path, cached=True)
    (entry,) = _entries(cache)
    for damage in (b"", b"{not json", b'{"data": 1}', b"\xff\xfe", b'{"data": {}, "lines": [[1, 2]]}'):
        entry.write_bytes(damage)
        got = load_file(path, cached=True)
        assert (got.data, dict(got.lines)) == _parsed(path, monkeypatch)
        assert entry.read_bytes() != damage


def test_dates_and_times_come_back_as_dates_and_times(tmp_path, cache, monkeypatch):
    path = tmp_path / "dated.yaml"
    path.write_text("day: 2026-07-01\nmoment: 2026-07-01T08:30:00+07:00\nlist: [2019-01-01, text]\n")
    load_file(path, cached=True)
    again = load_file(path, cached=True)
    assert again.data == _parsed(path, monkeypatch)[0]
    assert type(again.data["day"]).__name__ == "date" and again.data["moment"].utcoffset().seconds == 7 * 3600


def test_data_json_would_change_is_not_cached(tmp_path, cache, monkeypatch):
    path = tmp_path / "binary.yaml"
    path.write_text("a: text\nb: !!binary aGVsbG8=\n")
    got = load_file(path, cached=True)
    assert got.data == _parsed(path, monkeypatch)[0] and got.data["b"] == b"hello"
    assert _entries(cache) == []


def test_the_same_bytes_read_as_json_and_as_yaml_are_two_entries(tmp_path, cache):
    text = '{"a": 1, "a": 2}'
    (tmp_path / "x.yaml").write_text(text)
    (tmp_path / "x.json").write_text(text)
    with pytest.raises(ComplianceError):
        load_file(tmp_path / "x.yaml", cached=True)
    with pytest.raises(ComplianceError):
        load_file(tmp_path / "x.json", cached=True)
    (tmp_path / "y.yaml").write_text('{"a": [1, 2]}')
    (tmp_path / "y.json").write_text('{"a": [1, 2]}')
    assert (
        load_file(tmp_path / "y.yaml", cached=True).data == load_file(tmp_path / "y.json", cached=True).data
    )
    assert len(_entries(cache)) == 2


def test_a_ruleset_that_does_not_load_says_the_same_line_from_the_cache(tmp_path, cache):
    text = SHIPPED[0].read_text(encoding="utf-8").replace("source_confidence:", "source_confidence_typo:", 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    messages = []
    for _ in range(2):
        with pytest.raises(ComplianceError) as caught:
            load_ruleset(path)
        messages.append((str(caught.value), caught.value.line))
    assert messages[0] == messages[1] and messages[0][1] is not None


def test_no_cache_when_turned_off_or_unwritable(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", "")
    assert parsed_cache.folder() is None
    load_file(SHIPPED[0], cached=True)
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(locked / "inner"))
        if os.access(locked, os.W_OK):  # root writes anywhere: point the cache at a file instead
            (tmp_path / "a-file").write_text("")
            monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "a-file"))
        got = load_file(SHIPPED[0], cached=True)
        assert got.data == load_file(SHIPPED[0]).data
    finally:
        os.chmod(locked, 0o700)


def test_the_oldest_entries_go_beyond_the_limit(tmp_path, cache, monkeypatch):
    monkeypatch.setattr(parsed_cache, "MAX_ENTRIES", 3)
    made: list[Path] = []
    for n in range(5):
        path = tmp_path / f"r{n}.yaml"
        path.write_text(f"n: {n}\n")
        before = set(_entries(cache))
        load_file(path, cached=True)
        (new,) = set(_entries(cache)) - before
        os.utime(new, (1_000_000 + n, 1_000_000 + n))  # written in this order, whatever the clock's grain
        made.append(new)
    # The limit is kept when an entry is written: the two oldest are gone, the newest three stay.
    assert _entries(cache) == sorted(made[2:]) or len(_entries(cache)) == 3
    assert not made[0].exists() and made[4].exists()


def test_the_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("COMPLIANCE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert parsed_cache.folder() == tmp_path / "compliance"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert parsed_cache.folder() == Path.home() / ".cache" / "compliance"
