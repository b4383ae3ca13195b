"""The command line: parse options, call the library, render, map the outcome to an exit code.

One module per command group (check, inventory, rulesets); `common` holds the group and what they share.

May import: everything, `compliance.server` included (`compliance serve` starts it); nothing imports it.
"""

from __future__ import annotations

import os
import signal
import sys

import click

# Importing the command modules registers their commands on the group.
from compliance.cli import check as check_commands
from compliance.cli import inventory as inventory_commands
from compliance.cli import rulesets as rulesets_commands
from compliance.cli import serve as serve_commands
from compliance.cli.common import cli, write_output
from compliance.models.errors import ExitCode

COMMAND_MODULES = (check_commands, inventory_commands, rulesets_commands, serve_commands)

__all__ = ["cli", "main", "run_command", "write_output"]


def main() -> None:
    """The console entry point.

    The rule engine is C code: a fault there (a signal) would end the process with no verdict and no
    message. So the command runs in a forked child and this parent only waits: a child killed by a
    signal becomes exit 70 with a message, never a silent death and never a verdict."""
    if os.name != "posix":
        sys.exit(run_command())
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code: int = ExitCode.INTERNAL
        try:
            code = run_command()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except BrokenPipeError:
                code = ExitCode.BROKEN_PIPE
            os._exit(code)
    # The child handles Ctrl-C itself (it cleans up its temporary files); the parent keeps waiting.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A polite stop (a service manager's SIGTERM) goes to the child: `serve` drains its requests.
    stopped: list[int] = []

    def _forward(sig: int, _frame: object) -> None:
        stopped.append(sig)
        os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, _forward)
    _leave(_parent_code(_wait(pid), stopped))


def _parent_code(status: int, stopped: list[int]) -> int:
    """The exit code of the parent from its child's wait status."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGTERM and stopped:
            # Asked to stop, and stopped (uvicorn re-raises the signal once it has drained): success.
            return 0
        if sig == signal.SIGINT:
            return ExitCode.INTERRUPTED
        if sig == signal.SIGPIPE:
            return ExitCode.BROKEN_PIPE
        name = signal.Signals(sig).name if sig in signal.Signals.__members__.values() else str(sig)
        click.echo(
            f"internal error: the checking process died ({name}); no verdict was given. This is a bug: "
            "please report it with the command and its input files.",
            err=True,
        )
        return ExitCode.INTERNAL
    return os.waitstatus_to_exitcode(status)


def _leave(code: int) -> None:
    """End the waiting parent at once. It only imported modules and waited; tearing down those
    modules (thousands of pydantic objects) would add about a quarter of a one-item check's time."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _wait(pid: int) -> int:
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except InterruptedError:
            continue


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
