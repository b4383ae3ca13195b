"""Storage that lasts: reports stored compressed (old rows converted by the migration), and a retention
setting that deletes what an organisation keeps no longer and says what it deleted; SQLite and a real
PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

from helpers import SHIPMENTS
from realparts import COMPLIANCE
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from compliance.server import migrate
from compliance.server.db import AccessEntry, CheckRecord, compress_reports, open_engine
from compliance.server.db import organisation as org_named


def _report_text(lang: str) -> str:
    done = subprocess.run([COMPLIANCE, "check", str(SHIPMENTS / "vn-container-mixed.yaml"), "--format", "json",
                           "--lang", lang], capture_output=True, text=True, timeout=120)  # fmt: skip
    return done.stdout


def test_old_reports_are_compressed_by_the_migration_and_read_back_the_same(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = open_engine(url)
    migrate.upgrade(engine, to="0005")
    reports = {"en": json.loads(_report_text("en")), "vi": json.loads(_report_text("vi"))}
    text = json.dumps(reports, ensure_ascii=False)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO organisations (id, name, created_at) VALUES (1, 'Old', '2026-01-01')"
        )
        for n in range(3):
            conn.exec_driver_sql(
                "INSERT INTO checks (id, organisation_id, token_id, created_at, request_hash, shipment_id, containers,"
                " verdict, as_of, lang, rulesets_sha256, rulesets, registry, inputs, reports) VALUES "
                "(?, 1, 't', '2026-01-01', 'h', 'S', '', 'hold', '2026-07-15', 'en', 'x', '[]', '[]', '[]', ?)",
                (f"c{n}", text),
            )  # fmt: skip
    assert migrate.upgrade(engine) == ("0005", migrate.head())
    with Session(engine) as session:
        rows = session.scalars(select(CheckRecord).options(undefer(CheckRecord.reports_z))).all()
        assert [r.id for r in rows] == ["c0", "c1", "c2"]
        for row in rows:
            assert row.reports == reports
            # Both languages' reports in about a tenth of their text (at most a quarter, tested).
            assert len(row.reports_z) * 4 < len(text.encode())
    engine.dispose()


def _check(session: Session, org_id: int, check_id: str, made: dt.datetime) -> None:
    session.add(CheckRecord(id=check_id, organisation_id=org_id, token_id="t", created_at=made, request_hash="h",
                            shipment_id="S", containers="", verdict="clear", as_of="2026-07-15", lang="en",
                            rulesets_sha256="x", rulesets=[], registry_sources=[], inputs=[],
                            reports_z=compress_reports("{}")))  # fmt: skip


def test_retention_deletes_what_is_older_than_the_organisation_keeps_and_says_so(database_url: str) -> None:
    engine = open_engine(database_url)
    migrate.upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        keeps, other = org_named(session, "Keeps a year"), org_named(session, "Keeps everything")
        _check(session, keeps.id, "r-old", now - dt.timedelta(days=400))
        _check(session, keeps.id, "r-new", now - dt.timedelta(days=10))
        _check(session, other.id, "r-other-old", now - dt.timedelta(days=400))
        session.add(AccessEntry(organisation_id=keeps.id, at=now - dt.timedelta(days=500), actor="token:t",
                                actor_name="t", action="view", check_id="r-old", what="json/en", address=""))  # fmt: skip
    engine.dispose()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([COMPLIANCE, "retention", *args, "--database", database_url], capture_output=True,
                              text=True, timeout=120)  # fmt: skip

    assert run("set", "--org", "Keeps a year", "--days", "365").returncode == 0
    assert run("set", "--org", "Nobody", "--days", "30").returncode == 2
    dry = run("run", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Keeps a year (kept 365 days" in dry.stdout and "would delete 1 checks" in dry.stdout
    assert "1 access-log lines" in dry.stdout and "Keeps everything" not in dry.stdout
    done = run("run")
    assert "deleted 1 checks" in done.stdout, done.stdout
    engine = open_engine(database_url)
    with Session(engine) as session:
        left = set(session.scalars(select(CheckRecord.id).where(CheckRecord.id.like("r-%"))))
    engine.dispose()
    assert left == {"r-new", "r-other-old"}
    assert "deleted 0 checks" in run("run").stdout  # nothing left to delete
