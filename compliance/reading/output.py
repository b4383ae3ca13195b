"""Where results are written: refusing outputs that would destroy an input or a device, and writing
files atomically with the usual file mode, so a failed or interrupted run leaves nothing behind."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from compliance.models.errors import UsageError

#: `-o -` means standard output, as it does for most command-line tools.
STDOUT = "-"


def output_target(output: Path | None, inputs: Iterable[Path]) -> Path | None:
    """The file to write, or None for standard output; refuses what must never be overwritten.

    An output that is one of the run's own inputs would destroy it; one that exists and is not a
    regular file (a device, a FIFO, a folder) is no place for a report."""
    if output is None or str(output) == STDOUT:
        return None
    if not str(output).strip() or str(output) == ".":
        raise UsageError("the output file name is empty", field="--output")
    if output.exists() or output.is_symlink():
        if not output.is_file():
            raise UsageError(
                f"{output} exists and is not a regular file; refusing to replace it", field="--output"
            )
        for given in inputs:
            try:
                same = given.exists() and output.samefile(given)
            except OSError:
                same = False
            if same:
                raise UsageError(
                    f"{output} is one of this run's inputs ({given}); writing there would destroy it",
                    field="--output",
                )
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"the folder {folder} does not exist", field="--output")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"the folder {folder} is not writable", field="--output")
    return output


def temporary_beside(output: Path) -> str:
    """A temporary file in the output's folder (so the final rename is atomic)."""
    folder = output.parent if str(output.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=folder)
    except OSError as exc:
        raise UsageError(f"cannot write in {folder}: {exc.strerror}", field="--output") from None
    os.close(fd)
    return tmp


def publish(tmp: str, output: Path) -> None:
    """Give the finished temporary file the usual mode under the umask (mkstemp makes it 0600; a
    report is for sharing) and move it into place in one step."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, output)


def write_file(data: bytes, output: Path) -> None:
    """Write a whole file atomically: either the complete file, or nothing and the old file intact."""
    tmp = temporary_beside(output)
    try:
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EFBIG):
                raise UsageError(f"cannot write {output}: {exc.strerror}", field="--output") from None
            raise
        publish(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
