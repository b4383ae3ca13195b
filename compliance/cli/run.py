"""Running one command line in this process: the click group with every command registered, and the
mapping of how a command ended to an exit code."""

from __future__ import annotations

import os
import sys

import click

from compliance.cli.common import cli
from compliance.models.errors import ExitCode


def run_command(args: list[str] | None = None) -> int:
    """Run the click command line and return its exit code: Ctrl-C is 130 (not click's 1, which
    would read as HOLD), a closed output pipe is 141 without a message."""
    try:
        result = cli.main(args=args, prog_name="compliance", standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else ExitCode.INTERNAL)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted: no verdict was given", err=True)
        return ExitCode.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (| head): stop quietly; stdout is gone, so point it at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.BROKEN_PIPE
