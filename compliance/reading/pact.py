"""WBCSD PACT (Pathfinder) ProductFootprint intake, v2.x and v3.

A carbon-footprint report may point at a PACT file; its fields fill the report's fields that the
manifest leaves out. PACT has no life-cycle module field, so ``stages`` stays in the manifest.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from compliance.judging.facts import add_years
from compliance.models.errors import InputError
from compliance.reading.loading import Located, load_file

#: Manifest field -> how it is read from a footprint.
PACT_FIELDS = ("standards", "primary_data_share", "verifier", "issued", "valid_until", "valid_from", "status")


def _date(value: Any, path: Path, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        raise InputError(f"'{value}' is not an ISO 8601 date-time", file=path, field=field) from None


def _instant(value: Any, path: Path, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"'{value}' is not an ISO 8601 date-time", file=path, field=field) from None


def last_valid_day(end: dt.datetime) -> dt.date:
    """The last day a footprint is valid on, from PACT's exclusive end instant: valid up to, not on,
    that instant, so an end at midnight (in the offset it is written in) ends the day before."""
    midnight = (end.hour, end.minute, end.second, end.microsecond) == (0, 0, 0, 0)
    return end.date() - dt.timedelta(days=1) if midnight else end.date()


def _number(value: Any, path: Path, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        raise InputError(f"'{value}' is not a number", file=path, field=field) from None


def read_footprint(path: Path) -> dict[str, Any]:
    """The manifest-shaped fields a PACT ProductFootprint file gives (only those it states)."""
    return footprint_fields(_load(path))


def _load(path: Path) -> Located:
    # PACT is JSON whatever the file is called.
    return load_file(path, as_json=True)


def footprint_fields(located: Located) -> dict[str, Any]:
    """The manifest-shaped fields of a loaded PACT ProductFootprint."""
    path = located.path
    data = located.data
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = data["data"]
    if not isinstance(data, dict) or not isinstance(data.get("pcf"), dict):
        raise InputError("not a PACT ProductFootprint: expected an object with a 'pcf' object", file=path)
    pcf: dict[str, Any] = data["pcf"]
    out: dict[str, Any] = {}
    standards = pcf.get("crossSectoralStandards") or pcf.get("crossSectoralStandardsUsed")
    if isinstance(standards, list) and standards:
        out["standards"] = [str(s) for s in standards]
    share = _number(pcf.get("primaryDataShare"), path, "pcf.primaryDataShare")
    if share is not None:
        if not 0 <= share <= 100:
            raise InputError(
                f"primaryDataShare {share} is not a percentage 0..100",
                file=path,
                field="pcf.primaryDataShare",
            )
        out["primary_data_share"] = share / 100.0
    proof = data.get("verification") or pcf.get("verification") or pcf.get("assurance")
    if isinstance(proof, dict):
        name = proof.get("providerName")
        if name:
            out["verifier_name"] = str(name)
        completed = _date(proof.get("completedAt"), path, "assurance.completedAt")
        if completed is not None:
            out["issued"] = completed
    # PACT's validityPeriodEnd and referencePeriodEnd are exclusive ends: "valid up to, not on".
    end = _instant(data.get("validityPeriodEnd"), path, "validityPeriodEnd")
    if end is None:
        ref_end = _instant(pcf.get("referencePeriodEnd"), path, "pcf.referencePeriodEnd")
        if ref_end is not None:
            try:
                # The PACT default validity: three years after the (exclusive) end of the reference period.
                end = dt.datetime.combine(add_years(ref_end.date(), 3), ref_end.timetz())
            except (ValueError, OverflowError):
                raise InputError(
                    f"referencePeriodEnd {ref_end.isoformat()} leaves no room for the default 3-year validity",
                    file=path,
                    field="pcf.referencePeriodEnd",
                ) from None
    if end is not None:
        out["valid_until"] = last_valid_day(end)
    start = _date(data.get("validityPeriodStart"), path, "validityPeriodStart")
    if start is not None:
        out["valid_from"] = start
    status = data.get("status")
    if isinstance(status, str) and status.strip().casefold() == "deprecated":
        # PACT: a Deprecated footprint was superseded by a newer one; it must not be relied on.
        out["status"] = "deprecated"
    return out


def pact_path(ref: str, base_dir: Path) -> Path:
    """A pact_file reference, resolved inside the manifest's folder only: a manifest from someone else
    must not make us read /etc/passwd, /dev/zero or a file above its own folder."""
    if not ref.strip():
        raise InputError("pact_file is empty", field="pact_file")
    if Path(ref).is_absolute():
        raise InputError(
            f"pact_file '{ref}' is an absolute path; give a path relative to the manifest's folder",
            field="pact_file",
        )
    base = base_dir.resolve()
    path = (base / ref).resolve()
    if base != path and base not in path.parents:
        raise InputError(f"pact_file '{ref}' points outside the manifest's folder", field="pact_file")
    return path


def carry_footprints(refs: list[str], source_dir: Path, target_dir: Path) -> list[Path]:
    """Copy the PACT files a manifest names (``pact_file``, relative to its folder) beside the same
    manifest written in another folder, under the same relative path, so that the copy reads them too.
    A different file already there is bad input, never overwritten. Returns the files written."""
    import shutil

    from compliance.reading.output import publish, temporary_beside

    written: list[Path] = []
    for ref in dict.fromkeys(refs):
        src = pact_path(ref, source_dir)
        dst = pact_path(ref, target_dir)
        if src == dst:
            continue
        if not src.is_file():
            raise InputError(f"pact_file '{ref}' is not a file in {source_dir}", field="pact_file")
        if dst.exists():
            if dst.is_file() and dst.read_bytes() == src.read_bytes():
                continue
            raise InputError(
                f"'{ref}': {dst} already exists and differs from {src}; move it away or "
                "convert into another folder",
                field="pact_file",
            )
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(temporary_beside(dst))
        try:
            shutil.copyfile(src, tmp)
            publish(str(tmp), dst)
        finally:
            tmp.unlink(missing_ok=True)
        written.append(dst)
    return written


def merge_footprint(doc: dict[str, Any], base_dir: Path) -> tuple[dict[str, Any], tuple[Path, str] | None]:
    """A document dict with the PACT file's fields filled in where the manifest leaves them out, and
    the file read with its SHA-256 (none when the document names no PACT file)."""
    ref = doc.get("pact_file")
    if not isinstance(ref, str) or doc.get("type") != "carbon_footprint_report":
        return doc, None
    path = pact_path(ref, base_dir)
    located = _load(path)
    found = footprint_fields(located)
    merged = dict(doc)
    for key in ("standards", "primary_data_share", "issued", "valid_until", "valid_from", "status"):
        if key in found and merged.get(key) in (None, []):
            merged[key] = found[key]
    if "verifier_name" in found and isinstance(merged.get("verifier") or {}, dict):
        verifier = dict(merged.get("verifier") or {})
        verifier.setdefault("name", found["verifier_name"])
        merged["verifier"] = verifier
    assert located.sha256 is not None
    return merged, (path, located.sha256)
