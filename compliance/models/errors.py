"""Errors a user can cause (exit 2) told apart from bugs (exit 70)."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Process exit codes of the contract."""

    CLEAR = 0
    HOLD = 1
    BAD_INPUT = 2
    REVIEW = 3
    INTERNAL = 70
    #: Interrupted (Ctrl-C): 128 + SIGINT, as shells report it.
    INTERRUPTED = 130
    #: The reader of our output went away (``| head``): 128 + SIGPIPE, without a message.
    BROKEN_PIPE = 141


class ComplianceError(Exception):
    """A problem the user can fix: names the file, the line, the field and what was expected."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | str | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.field = field

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class InputError(ComplianceError):
    """A manifest, inventory, registry or documents file is malformed."""


class RulesetError(ComplianceError):
    """A ruleset file is malformed, or an unknown ruleset id was asked for."""


class UsageError(ComplianceError):
    """The command line asks for something that cannot be done."""


class EngineIntegrityError(Exception):
    """The rule engine lost, duplicated or invented an answer: a bug, never a verdict."""
