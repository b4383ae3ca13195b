"""The command line's cheaper search for pydantic plugins gives pydantic's own answer, and changes
nothing where a plugin is declared or where it could miss one."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from compliance.cli import plugin_search


def test_it_agrees_with_importlib_on_this_installation():
    declared = list(importlib.metadata.entry_points(group="pydantic"))
    assert plugin_search.no_plugin_declared() == (not declared)


def _distribution(folder: Path, entry_points: str) -> None:
    info = folder / "someplugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: someplugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


def test_a_declared_plugin_is_found_as_importlib_finds_it(tmp_path, monkeypatch):
    _distribution(tmp_path, "[console_scripts]\nx = a:b\n\n[pydantic]\nmy_plugin = someplugin:plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert [e.name for e in importlib.metadata.entry_points(group="pydantic")] == ["my_plugin"]
    assert plugin_search.no_plugin_declared() is False


def test_other_entry_points_are_no_plugin(tmp_path, monkeypatch):
    _distribution(tmp_path, "[console_scripts]\npydantic = a:b\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert plugin_search.no_plugin_declared() == (not list(importlib.metadata.entry_points(group="pydantic")))


def test_a_zip_or_an_egg_on_the_path_leaves_the_search_to_pydantic(tmp_path, monkeypatch):
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    monkeypatch.setattr(sys, "path", [*sys.path, str(archive)])
    assert plugin_search.no_plugin_declared() is False
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    (tmp_path / "old.egg").mkdir()
    assert plugin_search.no_plugin_declared() is False


def test_a_finder_of_other_distributions_leaves_the_search_to_pydantic(monkeypatch):
    class Finder:
        @staticmethod
        def find_distributions(*_a: object, **_k: object) -> list[object]:
            return []

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder()])
    assert plugin_search.no_plugin_declared() is False


@pytest.mark.parametrize("given", ["", "my_plugin", "__all__"])
def test_the_users_own_switch_is_left_as_set(monkeypatch, given):
    monkeypatch.setenv(plugin_search.SWITCH, given)
    plugin_search.skip_search_when_nothing_to_find()
    import os

    assert os.environ[plugin_search.SWITCH] == given


def test_the_importlib_metadata_backports_finder_reads_the_same_folders(monkeypatch):
    import importlib_metadata  # the backport, installed with Dask's distributed (a test dependency)

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, importlib_metadata.MetadataPathFinder()])
    assert plugin_search.no_plugin_declared() == (not list(importlib.metadata.entry_points(group="pydantic")))
