"""Real parts for the API tests: a PostgreSQL server started from Debian's binaries in a temporary
folder, and `compliance serve` as a real uvicorn process on loopback."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from compliance.server import migrate, tokens
from compliance.server.db import open_engine

COMPLIANCE = str(Path(sys.executable).parent / "compliance")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _as_postgres(args: list[str]) -> list[str]:
    # initdb refuses to run as root: run the server's tools as the postgres user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres() -> Iterator[str]:
    """A PostgreSQL server on a free loopback port; yields the URL of its `postgres` database."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `make sysdeps` (Debian's postgresql package)")
    bindir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="compliance-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "test"]),
                   check=True, capture_output=True)  # fmt: skip
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                                 "-w", "start"]), check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql+psycopg://test@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server_url: str, name: str) -> str:
    """A fresh database on the PostgreSQL server; its URL."""
    import psycopg

    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


def make_tokens(
    database_url: str, *organisations: str, role: str = "preparer", **kw: object
) -> dict[str, str]:
    """The schema, and a token of ``role`` for each organisation (``kw``: `tokens.create`'s options)."""
    engine = open_engine(database_url)
    migrate.upgrade(engine)
    out: dict[str, str] = {}
    with Session(engine) as session, session.begin():
        for org in organisations:
            out[org] = tokens.create(session, org, role=role, **kw)  # type: ignore[arg-type]
    engine.dispose()
    return out


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    database_url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, org: str | None = None, token: str | None = None, **kw: object) -> httpx.Client:
        """A client with the organisation's token (or ``token``)."""
        token = token or (self.tokens[org] if org else None)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kw)  # type: ignore[arg-type]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        # The CLI forks a child for the command: signal the whole group (parent and server).
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)


@contextmanager
def served(database_url: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> Iterator[Served]:
    """`compliance serve` on a free loopback port, ready when /healthz answers."""
    port = free_port()
    log = open(cwd / f"serve-{port}.log", "wb")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        [COMPLIANCE, "serve", "--port", str(port), "--database", database_url, *args],
        cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    server = Served(f"http://127.0.0.1:{port}", proc, database_url)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server ended with {proc.returncode}: {(cwd / log.name).read_text()}")
            try:
                if httpx.get(server.url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 60 s")
            time.sleep(0.1)
        yield server
    finally:
        server.kill(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            proc.wait()
        log.close()
