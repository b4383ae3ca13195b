"""The service's guards: request size, per-token rate, bugs answered without a traceback, and a
database schema older than the code refused at start."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import SHIPMENTS
from realparts import make_tokens, served
from sqlalchemy import text

from compliance.models.errors import UsageError
from compliance.server.app import create_app
from compliance.server.db import open_engine
from compliance.server.state import Settings

HOLD = SHIPMENTS / "vn-used-vmc-hold.yaml"
YAML = {"Content-Type": "application/yaml"}


def _app(tmp_path: Path, **settings: object) -> tuple[TestClient, str]:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    token = make_tokens(url, "Acme")["Acme"]
    client = TestClient(create_app(Settings(url, **settings)), raise_server_exceptions=False)  # type: ignore[arg-type]
    client.headers["Authorization"] = f"Bearer {token}"
    return client, url


def test_a_request_over_the_size_limit_is_413_and_nothing_is_stored(tmp_path: Path) -> None:
    # A real server: the limit holds on the wire, with or without a declared length.
    url = f"sqlite:///{tmp_path / 'c.db'}"
    token = make_tokens(url, "Acme")["Acme"]
    with served(url, "--max-size", "2000", cwd=tmp_path) as server:
        server.tokens = {"Acme": token}
        with server.client("Acme") as c:
            big = HOLD.read_bytes() + b"#" * 3000
            r = c.post("/v1/checks", content=big, headers=YAML)
            assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
            r = c.post("/v1/checks", content=iter([big[:1500], big[1500:]]), headers=YAML)  # chunked
            assert r.status_code == 413
            assert c.get("/v1/checks").json()["items"] == []


def test_a_token_over_its_rate_gets_429_with_retry_after(tmp_path: Path) -> None:
    client, _ = _app(tmp_path, rate=1.0, burst=3)
    codes = [client.get("/v1/checks").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert 429 in codes[3:]
    r = client.get("/v1/checks")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert r.json()["status"] == 429


def test_a_bug_is_500_with_an_incident_id_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = _app(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("compliance.server.judged.judge", broken)
    with caplog.at_level(logging.ERROR, logger="compliance.server"):
        r = client.post("/v1/checks", content=HOLD.read_bytes(), headers=YAML)
    assert r.status_code == 500
    body = r.json()
    assert body["incident"] and body["incident"] in body["detail"]
    assert "secret internals" not in r.text and "Traceback" not in r.text
    assert any(body["incident"] in rec.getMessage() for rec in caplog.records)  # the log has it


def test_a_database_at_an_older_schema_is_refused_with_the_way_out(tmp_path: Path) -> None:
    _, url = _app(tmp_path)
    with open_engine(url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(UsageError, match="compliance db upgrade"):
        create_app(Settings(url))


def test_a_request_past_the_timeout_is_504_with_the_way_to_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from compliance.server import intake

    client, _ = _app(tmp_path, timeout=0.2)
    real = intake.judge

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(1.0)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("compliance.server.judged.judge", slow)
    r = client.post("/v1/checks", content=HOLD.read_bytes(), headers=YAML)
    assert r.status_code == 504 and "Idempotency-Key" in r.json()["detail"]
    assert client.get("/healthz").status_code == 200


def test_a_requests_files_are_gone_after_it_and_a_threads_folder_when_the_thread_ends() -> None:
    import gc
    import threading

    from compliance.server.intake import Upload, _scratch, judge
    from compliance.service import CheckRequest, Library

    library = Library.load(None, [])
    folders: list[Path] = []

    def one_request() -> None:
        judge(
            Upload("manifest.yaml", HOLD.read_bytes(), (("extra.json", b"{}"),)),
            CheckRequest(manifests=[]),
            library,
        )
        folders.append(_scratch())
        assert list(folders[0].iterdir()) == []  # emptied after the request, the folder kept for the next

    worker = threading.Thread(target=one_request)
    worker.start()
    worker.join()
    gc.collect()
    assert folders and not folders[0].exists()  # the thread is gone: so is its folder
