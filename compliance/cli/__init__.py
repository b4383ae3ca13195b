"""The command line: parse options, call the library, render, map the outcome to an exit code.

One module per command group (check, inventory, rulesets, serve); `common` holds the group and what they
share; `run` runs one command line. This module is the console entry point: it forks before it imports
any of them (see `main`).

May import: everything, `compliance.server` included (`compliance serve` starts it); nothing imports it.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from compliance.models.errors import ExitCode

__all__ = ["cli", "ends_with_its_command", "main", "run_command", "write_output"]

#: Set in the process `main` runs a command line in, which ends when the command ends; a command run
#: inside a longer-lived process (a test's CliRunner, a caller of `run_command`) leaves it unset, and
#: must then leave that process's settings as it found them (the collector's thresholds).
_ENDS_WITH_COMMAND = False


def ends_with_its_command() -> bool:
    """Whether this process ends when the command it runs ends (the console entry point's)."""
    return _ENDS_WITH_COMMAND


def __getattr__(name: str) -> Any:
    # The group and its helpers load on first use, so that the waiting parent of `main` imports nothing.
    if name in ("cli", "write_output"):
        from compliance.cli import common

        return getattr(common, name)
    if name == "run_command":
        from compliance.cli import run

        return run.run_command
    raise AttributeError(name)


def _run() -> int:
    global _ENDS_WITH_COMMAND
    _ENDS_WITH_COMMAND = True
    from compliance.cli.plugin_search import skip_search_when_nothing_to_find

    skip_search_when_nothing_to_find()  # before the first model is built
    from compliance.cli.run import run_command

    return run_command()


def main() -> None:
    """The console entry point.

    The rule engine is C code: a fault there (a signal) would end the process with no verdict and no
    message. So the command runs in a forked child and this parent only waits: a child killed by a
    signal becomes exit 70 with a message, never a silent death and never a verdict.

    The fork comes before any of the command's modules is imported: a parent holding them would make
    the fork copy their memory map and the child copy each page it touches, about 15 ms of a one-item
    check."""
    if os.name != "posix":
        sys.exit(_run())
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code: int = ExitCode.INTERNAL
        try:
            code = _run()
        except KeyboardInterrupt:  # Ctrl-C while the command's modules were still loading
            code = ExitCode.INTERRUPTED
        except Exception:  # a module that failed to import: say so, as an unforked process would
            import traceback

            traceback.print_exc()
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
        sys.stderr.write(
            f"internal error: the checking process died ({name}); no verdict was given. This is a bug: "
            "please report it with the command and its input files.\n"
        )
        return ExitCode.INTERNAL
    return os.waitstatus_to_exitcode(status)


def _leave(code: int) -> None:
    """End the waiting parent at once: it only forked and waited, and has nothing to tear down."""
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
