"""`compliance serve`, `compliance db upgrade`, `compliance tokens create|list|revoke` and `compliance users create|role`."""

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
@click.option(
    "--watch-every",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds between two scans of the open checks to judge again (0: no watch, no webhooks).",
)
@click.option(
    "--webhook-retry",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0.01),
    help="Seconds before a failed webhook delivery is tried again (doubled each time, at most 1 h).",
)
@click.option(
    "--webhooks-to-private-networks",
    is_flag=True,
    help="Let webhooks point at loopback and private addresses (refused by default).",
)
@handle_errors
def serve(
    host: str, port: int, database: str | None, rulesets_dir: Path | None, registries: tuple[Path, ...],
    rate: float, max_size: int, workers: int, timeout: float, watch_every: float, webhook_retry: float,
    webhooks_to_private_networks: bool,
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
                        max_bytes=max_size, timeout=timeout, judges=workers, watch_every=watch_every,
                        retry_after=webhook_retry, webhooks_private=webhooks_to_private_networks)  # fmt: skip
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
@click.option("--role", default="preparer", show_default=True, type=click.Choice(["viewer", "preparer", "approver", "admin"]),
              help="What the token may do: viewer reads; preparer also checks and records decisions; approver also "
                   "approves others' decisions; admin also reads the access log.")  # fmt: skip
@click.option("--scope", "scopes", multiple=True,
              help="Narrow the token to these scopes of its role (repeatable): checks:read, checks:write, "
                   "decisions:write, decisions:approve, audit:read. Default: all of the role's.")  # fmt: skip
@click.option("--days", type=int, default=90, show_default=True, help="Days until the token expires.")
@click.option("--no-expiry", is_flag=True, help="A token that never expires (revoke it when done).")
@database_option
@handle_errors
def tokens_create(organisation: str, label: str, role: str, scopes: tuple[str, ...], days: int, no_expiry: bool,
                  database: str | None) -> None:  # fmt: skip
    """Create a token and print it once (only its hash is kept).

    Example: compliance tokens create --org "Hanoi Customs Brokers" --role preparer --days 30
    """
    from sqlalchemy.orm import Session

    from compliance.server import tokens as token_store

    engine = _ready_engine(database)
    with Session(engine) as session, session.begin():
        token = token_store.create(session, organisation.strip(), label, role=role, scopes=list(scopes),
                                   days=None if no_expiry else days)  # fmt: skip
    click.echo(token)
    click.echo(f"token for {organisation!r} ({role}): keep it now, it is not shown again", err=True)


@tokens.command("list")
@click.option("--org", "organisation", default=None, help="Only this organisation's tokens.")
@database_option
@handle_errors
def tokens_list(organisation: str | None, database: str | None) -> None:
    """Every token: id, organisation, role, scopes, state, when made, when it expires, when last used.

    Example: compliance tokens list --org "Hanoi Customs Brokers"
    """
    from sqlalchemy.orm import Session

    from compliance.server import tokens as token_store

    with Session(_ready_engine(database)) as session:
        listed = token_store.listing(session, organisation)
    click.echo("id\torganisation\tlabel\trole\tscopes\tstate\tcreated\texpires\tlast used")
    for t in listed:
        click.echo("\t".join([t.id, t.organisation, t.label, t.role, ",".join(t.scopes), t.state, _when(t.created_at),
                              _when(t.expires_at, "never"), _when(t.last_used_at, "never")]))  # fmt: skip


@tokens.command("revoke")
@click.argument("token_id")
@database_option
@handle_errors
def tokens_revoke(token_id: str, database: str | None) -> None:
    """Revoke a token (its id, as `tokens list` shows it): every request with it gets 401.

    Example: compliance tokens revoke 3f2a9c1d0b7e4a55
    """
    from sqlalchemy.orm import Session

    from compliance.server import tokens as token_store

    with Session(_ready_engine(database)) as session, session.begin():
        t = token_store.revoke(session, token_id)
    click.echo(f"token {t.id} of {t.organisation!r} revoked at {_when(t.revoked_at)}", err=True)


def _when(moment: Any, empty: str = "") -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else empty


def _ready_engine(database: str | None) -> Any:
    from compliance.server import migrate
    from compliance.server.db import database_url, open_engine

    url = database_url(database)
    engine = open_engine(url)
    migrate.ready(engine, url, create=True)
    return engine


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
@click.option("--role", default="preparer", show_default=True, type=click.Choice(["viewer", "preparer", "approver", "admin"]),
              help="viewer reads; preparer checks and records decisions; approver also approves others' decisions.")  # fmt: skip
@database_option
@handle_errors
def users_create(
    organisation: str, email: str, name: str, password: str, role: str, database: str | None
) -> None:
    """Create a user (the password is kept only as an argon2 hash).

    Example: compliance users create --org "Hanoi Customs Brokers" --email lan@example.com --name "Ms Lan"
    """
    from sqlalchemy.orm import Session

    from compliance.server import users as user_store

    with Session(_ready_engine(database)) as session, session.begin():
        user_store.create_user(session, organisation.strip(), email, name, password, role)
    click.echo(
        f"user {email} of {organisation!r} created; sign in at the address `compliance serve` prints",
        err=True,
    )


@users.command("role")
@click.option("--email", required=True, help="The user's e-mail address.")
@click.option("--role", required=True, type=click.Choice(["viewer", "preparer", "approver", "admin"]))
@database_option
@handle_errors
def users_role(email: str, role: str, database: str | None) -> None:
    """Give a user another role (from their next page).

    Example: compliance users role --email somchai@example.com --role approver
    """
    from sqlalchemy.orm import Session

    from compliance.server import users as user_store

    with Session(_ready_engine(database)) as session, session.begin():
        user_store.set_role(session, email, role)
    click.echo(f"user {email} is now {role}", err=True)


@cli.group()
def retention() -> None:
    """How long the service keeps an organisation's checks, inventory jobs and access log.

    Example: compliance retention set --org "Hanoi Customs Brokers" --days 365
    """


@retention.command("set")
@click.option("--org", "organisation", required=True, help="The organisation.")
@click.option("--days", type=int, default=None, help="Keep this many days.")
@click.option("--forever", is_flag=True, help="Keep everything (no retention).")
@database_option
@handle_errors
def retention_set(organisation: str, days: int | None, forever: bool, database: str | None) -> None:
    """Set how many days an organisation's records are kept (deleted by `retention run`).

    Example: compliance retention set --org "Hanoi Customs Brokers" --days 365
    """
    from sqlalchemy.orm import Session

    from compliance.models.errors import UsageError
    from compliance.server import retention as kept

    if forever == (days is not None):
        raise UsageError("give --days N or --forever", field="--days")
    with Session(_ready_engine(database)) as session, session.begin():
        kept.set_days(session, organisation, None if forever else days)
    click.echo(f"{organisation!r}: {'kept forever' if forever else f'kept {days} days'}", err=True)


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete nothing.")
@database_option
@handle_errors
def retention_run(dry_run: bool, database: str | None) -> None:
    """Delete what each organisation keeps no longer, and say what (run it daily, e.g. from cron).

    Example: compliance retention run --dry-run
    """
    from sqlalchemy.orm import Session

    from compliance.server import retention as kept

    with Session(_ready_engine(database)) as session, session.begin():
        done = kept.run(session, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for d in done:
        span = f" (made {_when(d.span[0])} to {_when(d.span[1])})" if d.span else ""
        click.echo(f"{d.organisation} (kept {d.days} days, before {_when(d.before)}): {verb} {d.checks} checks{span}, "
                   f"{d.jobs} inventory jobs, {d.access_lines} access-log lines")  # fmt: skip
    if not done:
        click.echo("no organisation has a retention setting: nothing deleted", err=True)


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
