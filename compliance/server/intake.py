"""A request's manifest (JSON, YAML, or a multipart upload with its PACT files) as files in a private
folder, judged by the same service function as `compliance check`."""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from compliance.models.decisions import Decision
from compliance.models.errors import ComplianceError, InputError
from compliance.reading.inputs import load_decisions
from compliance.service import CheckRequest, CheckRun, Library, check_files

JSON_TYPES = ("application/json",)
XLSX_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class Upload:
    """The files of one request: the manifest's name and bytes, and any PACT files beside it."""

    manifest_name: str
    manifest: bytes
    others: tuple[tuple[str, bytes], ...] = ()

    def digest(self, options: str) -> str:
        """What makes two requests the same request (for Idempotency-Key)."""
        h = hashlib.sha256(options.encode())
        for name, data in ((self.manifest_name, self.manifest), *self.others):
            h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        return h.hexdigest()


def safe_name(name: str | None, default: str) -> str:
    """A client's file name as a plain name in our folder (no path, no odd characters)."""
    base = PurePath((name or "").replace("\\", "/")).name
    cleaned = _SAFE.sub("_", base).lstrip(".")
    return cleaned or default


def judge(
    upload: Upload, request: CheckRequest, library: Library, decisions: Sequence[Decision] = ()
) -> CheckRun:
    """Write the files in a private folder and judge the manifest; messages name the client's file."""
    folder = _scratch()
    written = [folder / upload.manifest_name]
    try:
        written[0].write_bytes(upload.manifest)
        for name, data in upload.others:
            if name != upload.manifest_name:
                written.append(folder / name)
                written[-1].write_bytes(data)
        run = CheckRun(
            CheckRequest(
                manifests=[written[0]], ruleset_ids=request.ruleset_ids, as_of=request.as_of,
                drafts=request.drafts, max_size=request.max_size, produced_at=request.produced_at,
            )
        )  # fmt: skip
        try:
            check_files(run, library, decisions)
        except ComplianceError as exc:
            # The client knows its file by its own name, not by our temporary folder.
            raise BadUpload(exc, folder) from None
        run.inputs[:] = [(Path(_relative(str(p), folder) or p.name), sha) for p, sha in run.inputs]
        return run
    finally:
        for path in written:
            path.unlink(missing_ok=True)


_SCRATCH = threading.local()


class _Folder:
    """A thread's private folder, removed when the thread ends (its locals are released) or at exit:
    the server's worker threads come and go with the load."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="compliance-request-"))
        weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)


def _scratch() -> Path:
    """This thread's private folder for a request's files, emptied after each request (making and
    removing a folder per request cost more than judging a small manifest's YAML)."""
    folder: _Folder | None = getattr(_SCRATCH, "folder", None)
    if folder is None or not folder.path.is_dir():
        folder = _SCRATCH.folder = _Folder()
    return folder.path


def parse_decisions(upload: Upload, library: Library) -> list[Decision]:
    """A decisions file sent over the API, checked as `--decisions FILE` is (file, line, field)."""
    with tempfile.TemporaryDirectory(prefix="compliance-request-") as tmp:
        folder = Path(tmp)
        path = folder / ("decisions.json" if upload.manifest_name.endswith(".json") else "decisions.yaml")
        path.write_bytes(upload.manifest)
        try:
            return load_decisions(path, library.rulesets).decisions
        except ComplianceError as exc:
            raise BadUpload(exc, folder) from None


class BadUpload(InputError):
    """The CLI's message for the same input (every problem, in order), naming the client's files."""

    def __init__(self, exc: ComplianceError, folder: Path) -> None:
        super().__init__(exc.message, file=_relative(exc.file, folder), line=exc.line, column=exc.column,
                         field=exc.field)  # fmt: skip
        self.text = str(exc).replace(f"{folder}/", "")
        self.errors = [
            {"file": _relative(p.file, folder), "line": p.line, "field": p.field, "message": p.message}
            for p in getattr(exc, "problems", [exc])
        ]

    def __str__(self) -> str:
        return self.text

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Raised in a judging process and answered by the server process: sent whole.
        state = (self.message, self.file, self.line, self.column, self.field, self.text, self.errors)
        return _bad_upload, state


def _bad_upload(
    message: str, file: str | None, line: int | str | None, column: int | None, field: str | None, text: str,
    errors: list[dict[str, Any]],
) -> BadUpload:  # fmt: skip
    exc = BadUpload.__new__(BadUpload)
    InputError.__init__(exc, message, file=file, line=line, column=column, field=field)
    exc.text, exc.errors = text, errors
    return exc


def _relative(file: str | None, folder: Path) -> str | None:
    if file is None:
        return None
    try:
        return str(Path(file).relative_to(folder))
    except ValueError:
        return file
