"""A workbook (a zip archive) checked before it is opened: what its parts unpack to."""

from __future__ import annotations

from pathlib import Path

from compliance.models.errors import InputError

#: A workbook's parts' uncompressed size, checked before it is opened (a 1 MB file can unpack to
#: gigabytes of shared strings).
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024


def check_workbook(path: Path) -> list[str]:
    """The workbook's part names, after checking what they unpack to."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError):
        raise InputError("not a readable XLSX workbook (not a zip archive)", file=path) from None
    total = sum(i.file_size for i in parts)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise InputError(
            f"the workbook unpacks to {total:,} bytes, over the limit of {MAX_XLSX_UNCOMPRESSED:,}", file=path
        )
    return [i.filename for i in parts]
