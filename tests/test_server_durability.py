"""A check is stored whole or not at all: a server killed with SIGKILL under load loses no
acknowledged check and leaves nothing half-stored; SIGTERM lets the requests in flight finish. On
SQLite and on PostgreSQL, with a real server on loopback (bounded in count and time)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
from helpers import SHIPMENTS
from realparts import Served, make_tokens, served
from sqlalchemy import select

from compliance.server.db import CheckRecord, open_engine

BODY = (SHIPMENTS / "vn-container-mixed.yaml").read_bytes()
YAML = {"Content-Type": "application/yaml"}


def _load(server: Served, seconds: float, acknowledged: list[tuple[str, float]], errors: list[str]) -> None:
    """One client posting checks on fresh connections until the time is up or the server is gone."""
    token = server.tokens["Acme"]
    deadline = time.monotonic() + seconds
    for _ in range(2000):
        if time.monotonic() > deadline:
            return
        try:
            r = httpx.post(server.url + "/v1/checks", content=BODY, timeout=30,
                           headers={**YAML, "Authorization": f"Bearer {token}"})  # fmt: skip
        except httpx.TransportError:
            return
        if r.status_code == 201:
            acknowledged.append((r.json()["id"], time.monotonic()))
        else:
            errors.append(f"{r.status_code}: {r.text[:200]}")


def _run_load(server: Served, seconds: float, clients: int = 4) -> tuple[list[tuple[str, float]], list[str], list[threading.Thread]]:
    acknowledged: list[tuple[str, float]] = []
    errors: list[str] = []
    threads = [threading.Thread(target=_load, args=(server, seconds, acknowledged, errors)) for _ in range(clients)]
    for t in threads:
        t.start()
    return acknowledged, errors, threads


def test_sigkill_under_load_loses_no_acknowledged_check(database_url: str, tmp_path: Path) -> None:
    tokens = make_tokens(database_url, "Acme")
    with served(database_url, "--rate", "0", cwd=tmp_path) as server:
        server.tokens = tokens
        acknowledged, errors, threads = _run_load(server, seconds=20)
        while len(acknowledged) < 10:
            time.sleep(0.05)
        server.kill(signal.SIGKILL)
        for t in threads:
            t.join(timeout=60)
    assert errors == []
    ids = {i for i, _ in acknowledged}
    assert len(ids) >= 10
    with served(database_url, cwd=tmp_path) as again:
        again.tokens = tokens
        with again.client("Acme") as c:
            for check_id in ids:
                r = c.get(f"/v1/checks/{check_id}")
                assert r.status_code == 200, check_id
                assert r.json()["report"]["shipment_id"] == "SHP-2026-0415"
    engine = open_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(CheckRecord.id, CheckRecord.reports, CheckRecord.inputs)).all()
    engine.dispose()
    # Nothing half-stored: every row has its report in each language and its inputs' hashes.
    assert {r.id for r in rows} >= ids
    for row in rows:
        assert set(row.reports) == {"en", "vi"} and row.reports["en"]["items"] and row.inputs


def test_sigterm_lets_requests_in_flight_finish(database_url: str, tmp_path: Path) -> None:
    tokens = make_tokens(database_url, "Acme")
    with served(database_url, "--rate", "0", cwd=tmp_path) as server:
        server.tokens = tokens
        acknowledged, errors, threads = _run_load(server, seconds=20)
        while len(acknowledged) < 5:
            time.sleep(0.05)
        stopped_at = time.monotonic()
        os.kill(server.process.pid, signal.SIGTERM)  # as a service manager does: the parent forwards it
        for t in threads:
            t.join(timeout=60)
        assert server.process.wait(timeout=60) == 0
    assert errors == []
    # Requests already sent when SIGTERM came were answered, not dropped.
    assert any(at > stopped_at for _, at in acknowledged)
    engine = open_engine(database_url)
    with engine.connect() as conn:
        stored = set(conn.scalars(select(CheckRecord.id)))
    engine.dispose()
    assert {i for i, _ in acknowledged} <= stored
