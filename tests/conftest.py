"""pytest fixtures: the shipped rulesets and a test registry. Helpers live in helpers.py."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from helpers import REGISTRY_YAML

from compliance.models.registry import Registry
from compliance.models.ruleset import Ruleset
from compliance.reading.inputs import load_registry, load_rulesets


def pytest_configure(config: pytest.Config) -> None:
    """The parsed-rulesets cache of this run (in-process and in the commands tests start) lives in a
    folder of its own, removed at the end: tests never read or fill the user's ~/.cache."""
    folder = tempfile.mkdtemp(prefix="compliance-test-cache-")
    config._compliance_cache = folder  # type: ignore[attr-defined]
    os.environ["COMPLIANCE_CACHE_DIR"] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = getattr(config, "_compliance_cache", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _temporary_files_stay_in_the_test_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Files the product puts in the system's temporary folder (the crash log of a simulated bug,
    scratch files) go to pytest's folder instead, in this process and in the commands it starts:
    a test run leaves nothing behind in /tmp."""
    folder = tmp_path_factory.getbasetemp() / "system-tmp"
    folder.mkdir(exist_ok=True)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))


@pytest.fixture(scope="session")
def rulesets() -> list[Ruleset]:
    return load_rulesets()


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    path = tmp_path_factory.mktemp("reg") / "registry.yaml"
    path.write_text(REGISTRY_YAML, encoding="utf-8")
    return load_registry([path])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server for the session (Debian's binaries, a temporary folder, loopback)."""
    from realparts import postgres

    with postgres() as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh, empty database of each kind the service supports: the same tests run on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'compliance.db'}"
    from realparts import new_database

    server: str = request.getfixturevalue("postgres_server")
    return new_database(server, f"t_{request.module.__name__.rsplit('.', 1)[-1]}")
