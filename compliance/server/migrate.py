"""The schema's revisions (Alembic), run from the package: `compliance db upgrade`, and the check the
server makes before it starts."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from compliance.models.errors import UsageError

_HERE = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    return cfg


def head() -> str:
    found = ScriptDirectory.from_config(_config()).get_current_head()
    assert found is not None
    return found


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, to: str = "head") -> tuple[str | None, str]:
    """Bring the schema to the newest revision (or to revision ``to``); returns (from, to)."""
    before = current(engine)
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, to)
    return before, head() if to == "head" else to


def ready(engine: Engine, url: str, *, create: bool) -> None:
    """An empty database gets the schema when ``create``; an older schema stops the server, saying why."""
    have, want = current(engine), head()
    if have == want:
        return
    if have is None and create:
        upgrade(engine)
        return
    raise UsageError(
        f"the database schema is at revision {have or 'none'}, this version needs {want}: "
        f"run `compliance db upgrade --database {url}` first",
        field="--database",
    )
