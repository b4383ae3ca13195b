"""A check is stored whole or not at all: a server killed with SIGKILL under load loses no
acknowledged check and leaves nothing half-stored; SIGTERM lets the requests in flight finish. On
SQLite and on PostgreSQL, with a real server on loopback (bounded in count and time)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from helpers import SHIPMENTS
from realparts import Served, make_tokens, served
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from compliance.server.db import CheckRecord, open_engine

BODY = (SHIPMENTS / "vn-container-mixed.yaml").read_bytes()


def _many_items(n: int) -> bytes:
    """The mixed container with its items repeated: a check slow enough to be in flight at a signal."""
    import yaml

    data = yaml.safe_load(BODY)
    items = data["items"]
    data["items"] = [{**items[k % len(items)], "id": f"{items[k % len(items)]['id']}-{k}"} for k in range(n)]
    for doc in data.get("documents", []):
        if doc.get("covers"):
            doc["covers"] = [i["id"] for i in data["items"] if i["id"].split("-")[0] in doc["covers"]]
    return yaml.safe_dump(data, sort_keys=False).encode()


YAML = {"Content-Type": "application/yaml"}


def _load(server: Served, seconds: float, acknowledged: list[tuple[str, float]], errors: list[str],
          body: bytes = BODY) -> None:  # fmt: skip
    """One client posting checks on fresh connections until the time is up or the server is gone."""
    token = server.tokens["Acme"]
    deadline = time.monotonic() + seconds
    for _ in range(2000):
        if time.monotonic() > deadline:
            return
        try:
            r = httpx.post(server.url + "/v1/checks", content=body, timeout=30,
                           headers={**YAML, "Authorization": f"Bearer {token}"})  # fmt: skip
        except httpx.TransportError:
            return
        if r.status_code == 201:
            acknowledged.append((r.json()["id"], time.monotonic()))
        else:
            errors.append(f"{r.status_code}: {r.text[:200]}")


def _run_load(
    server: Served, seconds: float, clients: int = 4, body: bytes = BODY
) -> tuple[list[tuple[str, float]], list[str], list[threading.Thread]]:
    acknowledged: list[tuple[str, float]] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=_load, args=(server, seconds, acknowledged, errors, body))
        for _ in range(clients)
    ]
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
    with Session(engine) as session:
        rows = session.scalars(select(CheckRecord).options(undefer(CheckRecord.reports_z))).all()
        # Nothing half-stored: every row has its report in each language and its inputs' hashes.
        assert {r.id for r in rows} >= ids
        for row in rows:
            assert set(row.reports) == {"en", "vi"} and row.reports["en"]["items"] and row.inputs
    engine.dispose()


def test_sigterm_lets_requests_in_flight_finish(database_url: str, tmp_path: Path) -> None:
    tokens = make_tokens(database_url, "Acme")
    with served(database_url, "--rate", "0", cwd=tmp_path) as server:
        server.tokens = tokens
        acknowledged, errors, threads = _run_load(server, seconds=20, body=_many_items(60))
        while len(acknowledged) < 3:
            time.sleep(0.05)
        stopped_at = time.monotonic()
        os.kill(server.process.pid, signal.SIGTERM)  # as a service manager does: the parent forwards it
        for t in threads:
            t.join(timeout=60)
        assert server.process.wait(timeout=60) == 0
    assert errors == []
    # Requests already sent when SIGTERM came were answered, not dropped.
    assert any(at > stopped_at for _, at in acknowledged), (stopped_at, acknowledged)
    engine = open_engine(database_url)
    with engine.connect() as conn:
        stored = set(conn.scalars(select(CheckRecord.id)))
    engine.dispose()
    assert {i for i, _ in acknowledged} <= stored


def _big_stock(path: Path, rows: int) -> Path:
    """The sample stock repeated with distinct ids and manufacture days (few cache hits)."""
    lines = (SHIPMENTS / "inventory" / "stock.csv").read_text().splitlines()
    header, body = lines[0], [line for line in lines[1:] if not line.startswith("INV-007")]
    out = [header]
    for n in range(rows):
        cells = body[n % len(body)].split(",")
        cells[0] = f"M{n:06d}"
        cells[2] = f"{2010 + n % 16}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        out.append(",".join(cells))
    path.write_text("\n".join(out) + "\n")
    return path


def test_an_inventory_job_interrupted_by_sigkill_is_resumed_after_restart(
    database_url: str, tmp_path: Path
) -> None:
    from test_server_api import cli

    tokens = make_tokens(database_url, "Acme")
    stock = _big_stock(tmp_path / "stock.csv", 4000)
    docs = SHIPMENTS / "inventory" / "documents.yaml"
    files = [("inventory", ("stock.csv", stock.read_bytes(), "text/csv")),
             ("documents", ("documents.yaml", docs.read_bytes(), "application/yaml"))]  # fmt: skip
    params = {"destination": ["VN", "TH", "ID"], "as_of": "2026-07-15"}
    with served(database_url, cwd=tmp_path) as server:
        server.tokens = tokens
        with server.client("Acme") as c:
            job_id = c.post("/v1/inventories", files=files, params=params).json()["id"]
            deadline = time.monotonic() + 60
            while c.get(f"/v1/inventories/{job_id}").json()["rows_done"] == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert c.get(f"/v1/inventories/{job_id}").json()["status"] == "running"
        server.kill(signal.SIGKILL)
    with served(database_url, cwd=tmp_path) as again:
        again.tokens = tokens
        with again.client("Acme") as c:
            deadline = time.monotonic() + 180
            while (job := c.get(f"/v1/inventories/{job_id}").json())["status"] not in ("done", "failed"):
                assert time.monotonic() < deadline, job
                time.sleep(0.2)
            assert job["status"] == "done" and job["attempts"] == 2
            assert job["summary"]["rows_in"] == 4000 and job["summary"]["rows_out"] == 12000
            result = c.get(f"/v1/inventories/{job_id}/result.csv").content
    out = tmp_path / "cli.csv"
    cli("inventory", str(stock), "--documents", str(docs), "--destination", "VN", "--destination", "TH",
        "--destination", "ID", "--as-of", "2026-07-15", "--output", str(out))  # fmt: skip
    assert result == out.read_bytes()


def _judging_processes(pid: int) -> list[int]:
    """The server's judging processes: spawned by multiprocessing (not its resource tracker)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            if b"spawn_main" in cmdline:
                found.append(int(child))
            found += _judging_processes(int(child))
    return found


@contextmanager
def _two_judges(database_url: str, tmp_path: Path) -> Iterator[tuple[Served, list[int]]]:
    """A server with two judging processes that has judged a check; its judging processes' ids."""
    tokens = make_tokens(database_url, "Judged Ltd")
    with served(database_url, "--rate", "0", "--workers", "2", cwd=tmp_path) as server:
        server.tokens = tokens
        with server.client("Judged Ltd") as c:
            assert c.post("/v1/checks", content=BODY, headers=YAML).status_code == 201
        judging = _judging_processes(server.process.pid)
        assert len(judging) == 2
        yield server, judging


def test_checks_are_judged_in_processes_of_their_own_and_one_that_dies_is_replaced(
    database_url: str, tmp_path: Path
) -> None:
    with _two_judges(database_url, tmp_path) as (server, judging), server.client("Judged Ltd") as c:
        os.kill(judging[0], signal.SIGKILL)  # as a fault in the engine's C code would
        time.sleep(0.5)
        codes = [c.post("/v1/checks", content=BODY, headers=YAML).status_code for _ in range(3)]
        assert codes == [201, 201, 201]
        deadline = time.monotonic() + 10  # the broken pool's other process is ended, a new pool of two
        while len(_judging_processes(server.process.pid)) != 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_judging_processes(server.process.pid)) == 2
        assert len(c.get("/v1/checks").json()["items"]) == 4


def test_judging_processes_end_with_a_server_killed_outright(database_url: str, tmp_path: Path) -> None:
    with _two_judges(database_url, tmp_path) as (server, judging):
        # The server alone, as the kernel's OOM killer would: no shutdown of its pool.
        [server_process] = [
            int(c) for task in Path(f"/proc/{server.process.pid}/task").iterdir()
            for c in (task / "children").read_text().split()
        ]  # fmt: skip
        os.kill(server_process, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while [p for p in judging if _alive(p)] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [p for p in judging if _alive(p)] == []


def _alive(pid: int) -> bool:
    """Running (a process that has ended but is not yet reaped has no command line)."""
    try:
        return bool(Path(f"/proc/{pid}/cmdline").read_bytes())
    except FileNotFoundError:
        return False
