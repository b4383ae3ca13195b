"""What every command shares: writing output, user errors vs bugs, dates, the group and its options."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from compliance import __version__
from compliance.models.errors import ComplianceError, ExitCode, UsageError
from compliance.reading.output import write_file
from compliance.render.visible import visible

F = TypeVar("F", bound=Callable[..., Any])


def write_output(text: str | bytes, output: Path | None) -> None:
    """Print, or write a file atomically: a failed run never leaves a partial file."""
    if output is None:
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            click.echo(text, nl=False)
        return
    write_file(text.encode("utf-8") if isinstance(text, str) else text, output)


def handle_errors(func: F) -> F:
    """User errors exit 2 with one message; anything else is a bug: exit 70 and a log file."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ComplianceError as exc:
            # Messages quote what the user wrote: escape what a terminal would obey or misorder.
            click.echo(f"error: {visible(str(exc))}", err=True)
            sys.exit(ExitCode.BAD_INPUT)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as exc:  # a bug: never a verdict
            fd, log = tempfile.mkstemp(prefix="compliance-crash-", suffix=".log")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(f"compliance {__version__}\n{' '.join(sys.argv)}\n\n")
                fh.write(traceback.format_exc())
            click.echo(f"internal error: {type(exc).__name__}: {exc} (details: {log})", err=True)
            sys.exit(ExitCode.INTERNAL)

    return wrapper  # type: ignore[return-value]


def parse_day(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"'{value}' is not a date; expected YYYY-MM-DD", field=option) from None


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """The tool's version and the ruleset bundle it judges by: the same hash as in each JSON result
    (`rulesets_sha256`) and audit line, so a verdict can be traced to the exact rules."""
    if not value or ctx.resilient_parsing:
        return
    from compliance.models.ruleset import rulesets_digest
    from compliance.reading.inputs import load_rulesets

    rulesets = load_rulesets()
    click.echo(f"compliance, version {__version__}")
    click.echo(f"rulesets: shipped bundle, sha256 {rulesets_digest(rulesets)}")
    for rs in rulesets:
        click.echo(f"  {rs.id}: versions {', '.join(v.version for v in rs.versions)}")
    ctx.exit()


class CommandGroup(click.Group):
    """The top-level group: a command's module is imported when the command is asked for (or help lists
    them all), so that `check` does not pay for the server's or the inventory's options."""

    #: The command each module defines, by module: written out so that no command needs an import to
    #: be found (a test checks the map against what the modules register).
    MODULES: dict[str, tuple[str, ...]] = {
        "compliance.cli.check": ("check", "convert", "init", "recheck", "schema", "template"),
        "compliance.cli.inventory": ("inventory",),
        "compliance.cli.rulesets": ("explain", "rulesets"),
        "compliance.cli.serve": ("db", "retention", "serve", "tokens", "users"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *(name for names in self.MODULES.values() for name in names)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            module = next((m for m, names in self.MODULES.items() if cmd_name in names), None)
            if module is not None:
                importlib.import_module(module)  # its decorators register its commands on this group
        return self.commands.get(cmd_name)


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
    help="Show the version and the shipped ruleset bundle's hash, then exit.",
)  # fmt: skip
def cli() -> None:
    """Compliance checks for shipments of CNC machine tools.

    Exit codes: 0 clear, 1 hold, 2 bad input or usage, 3 review, 70 internal error.
    """


registry_option = click.option(
    "--registry",
    "registries",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Accreditation registry file (repeatable; later files win). Default: the SAMPLE registry.",
)
rulesets_dir_option = click.option(
    "--rulesets",
    "rulesets_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of ruleset YAML files. Default: the shipped rulesets.",
)


def decisions_options(f: Any) -> Any:
    """--decisions FILE and --ignore-decisions."""
    f = click.option(
        "--ignore-decisions", is_flag=True, help="Judge as if there were no decisions (the file is not read)."
    )(f)
    return click.option(
        "--decisions",
        "decisions_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Decisions on review items (YAML; `compliance schema decisions`), applied where they match.",
    )(f)


ruleset_ids_option = click.option(
    "--ruleset", "ruleset_ids", multiple=True, help="Only this ruleset id (repeatable). Default: all."
)
drafts_option = click.option("--drafts", is_flag=True, help="Include draft (anticipated) ruleset versions.")


def _language(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """en or vi; 'vn' is Vietnam's country code, and a common slip for the language."""
    probe = value.strip().lower()
    if probe in ("en", "vi"):
        return probe
    if probe in ("vn", "vi-vn", "vi_vn", "vietnamese", "tieng viet", "tiếng việt"):
        raise click.BadParameter(f"'{value}' is not a language code; did you mean 'vi' (Vietnamese)?")
    if probe in ("en-gb", "en-us", "english", "gb", "us"):
        raise click.BadParameter(f"'{value}' is not a language code; did you mean 'en' (English)?")
    raise click.BadParameter(f"'{value}' is not one of 'en', 'vi'")


lang_option = click.option(
    "--lang",
    default="en",
    show_default=True,
    callback=_language,
    metavar="[en|vi]",
    help="Language of every sentence and heading (ids and codes stay as they are).",
)
