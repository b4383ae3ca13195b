"""`compliance serve`, `compliance db upgrade` and `compliance tokens create`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from compliance.cli.common import cli, handle_errors, registry_option, rulesets_dir_option
from compliance.reading.loading import DEFAULT_MAX_BYTES

database_option = click.option(
    "--database",
    "database",
    help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db. Default: $COMPLIANCE_DATABASE_URL, "
    "else sqlite:///compliance.db in this folder.",
)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port.")
@database_option
@rulesets_dir_option
@registry_option
@click.option("--rate", default=50.0, show_default=True, help="Requests a second per token (0: no limit).")
@click.option(
    "--max-size", default=DEFAULT_MAX_BYTES, show_default=True, help="Refuse larger request bodies."
)
@click.option(
    "--workers", default=lambda: min(64, _cores()), show_default="one per core", type=click.IntRange(1, 64),
    help="Processes that judge checks, one core each (one queue for all requests, in order of arrival).",
)  # fmt: skip
@click.option("--timeout", default=60.0, show_default=True, help="Seconds before a request is answered 504.")
@handle_errors
def serve(
    host: str, port: int, database: str | None, rulesets_dir: Path | None, registries: tuple[Path, ...],
    rate: float, max_size: int, workers: int, timeout: float,
) -> None:  # fmt: skip
    """Serve the HTTP API (OpenAPI at /docs). Every request needs a token: compliance tokens create.

    Example: compliance serve --port 8080
    """
    import uvicorn

    from compliance.server.app import create_app
    from compliance.server.db import database_url
    from compliance.server.state import Settings

    url = database_url(database)
    settings = Settings(url, rulesets_dir=rulesets_dir, registries=list(registries), rate=rate,
                        max_bytes=max_size, timeout=timeout, judges=workers)  # fmt: skip
    app = create_app(settings)  # checks (or creates) the schema and loads the rulesets before any worker
    click.echo(f"compliance API on http://{host}:{port} (database {_safe(url)}); docs at /docs", err=True)
    common: dict[str, Any] = dict(host=host, port=port, log_level="info", timeout_graceful_shutdown=30,
                                  limit_concurrency=200, timeout_keep_alive=5)  # fmt: skip
    # One server process (every connection, one queue of checks), its judging processes beside it.
    uvicorn.Server(uvicorn.Config(app, **common)).run()


@cli.group()
def db() -> None:
    """The service's database.

    Example: compliance db upgrade --database sqlite:///compliance.db
    """


@db.command("upgrade")
@database_option
@handle_errors
def db_upgrade(database: str | None) -> None:
    """Create or bring the database schema to this version's revision.

    Example: compliance db upgrade --database postgresql+psycopg://compliance@localhost/compliance
    """
    from compliance.server import migrate
    from compliance.server.db import database_url, open_engine

    url = database_url(database)
    before, after = migrate.upgrade(open_engine(url))
    click.echo(f"{_safe(url)}: schema {before or 'none'} -> {after}")


@cli.group()
def tokens() -> None:
    """API tokens: each belongs to an organisation, which sees only its own checks.

    Example: compliance tokens create --org "Hanoi Customs Brokers"
    """


@tokens.command("create")
@click.option("--org", "organisation", required=True, help="The organisation (created if new).")
@click.option("--label", default="", help="What the token is for (shown in listings, never secret).")
@database_option
@handle_errors
def tokens_create(organisation: str, label: str, database: str | None) -> None:
    """Create a token and print it once (only its hash is kept).

    Example: compliance tokens create --org "Hanoi Customs Brokers"
    """
    from sqlalchemy.orm import Session

    from compliance.server import migrate
    from compliance.server import tokens as token_store
    from compliance.server.db import database_url, open_engine

    url = database_url(database)
    engine = open_engine(url)
    migrate.ready(engine, url, create=True)
    with Session(engine) as session, session.begin():
        token = token_store.create(session, organisation.strip(), label)
    click.echo(token)
    click.echo(f"token for {organisation!r}: keep it now, it is not shown again", err=True)


def _safe(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@cli.group()
def users() -> None:
    """People who sign in to the pages; each belongs to an organisation.

    Example: compliance users create --org "Hanoi Customs Brokers" --email lan@example.com
    """


@users.command("create")
@click.option("--org", "organisation", required=True, help="The organisation (created if new).")
@click.option("--email", required=True, help="The e-mail address the person signs in with.")
@click.option("--name", default="", help="The name shown on pages and decisions (default: the e-mail).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, envvar="COMPLIANCE_PASSWORD",
              help="At least 10 characters (asked when not given; or $COMPLIANCE_PASSWORD).")  # fmt: skip
@database_option
@handle_errors
def users_create(organisation: str, email: str, name: str, password: str, database: str | None) -> None:
    """Create a user (the password is kept only as an argon2 hash).

    Example: compliance users create --org "Hanoi Customs Brokers" --email lan@example.com --name "Ms Lan"
    """
    from sqlalchemy.orm import Session

    from compliance.server import migrate
    from compliance.server import users as user_store
    from compliance.server.db import database_url, open_engine

    url = database_url(database)
    engine = open_engine(url)
    migrate.ready(engine, url, create=True)
    with Session(engine) as session, session.begin():
        user_store.create_user(session, organisation.strip(), email, name, password)
    click.echo(
        f"user {email} of {organisation!r} created; sign in at the address `compliance serve` prints",
        err=True,
    )


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
