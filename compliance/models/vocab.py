"""The product's vocabularies: machine types, HS headings, document types, life-cycle stages."""

from __future__ import annotations

import functools
import re
from enum import StrEnum

from compliance.models.common import TEXT_KEPT


class Vocabulary(StrEnum):
    """A vocabulary whose values are read regardless of case ("Used" is used): the value is unambiguous."""

    @classmethod
    def _missing_(cls, value: object) -> Vocabulary | None:
        if isinstance(value, str):
            probe = value.strip().lower()
            return next((m for m in cls if m.value == probe), None)
        return None


def closest(value: str, allowed: list[str]) -> str | None:
    """The vocabulary value a user most likely meant: 'machining center' -> 'machining_center'."""
    import difflib

    probe = re.sub(r"[\s\-]+", "_", value.strip().lower())
    if probe in allowed:
        return probe
    found = difflib.get_close_matches(probe, allowed, n=1, cutoff=0.75)
    return found[0] if found else None


class MachineType(Vocabulary):
    MACHINING_CENTER = "machining_center"
    TURNING_MILLING_CENTER = "turning_milling_center"
    CNC_LATHE = "cnc_lathe"
    MILLING_MACHINE = "milling_machine"
    GRINDING_MACHINE = "grinding_machine"
    EDM_MACHINE = "edm_machine"
    LASER_CUTTER = "laser_cutter"
    PRESS_BRAKE = "press_brake"
    OTHER_MACHINE_TOOL = "other_machine_tool"


class DocumentType(Vocabulary):
    CARBON_FOOTPRINT_REPORT = "carbon_footprint_report"
    AI_DIAGNOSTICS_ATTESTATION = "ai_diagnostics_attestation"
    CE_DECLARATION = "ce_declaration"
    ISO_CERTIFICATE = "iso_certificate"
    EPD = "epd"
    ENERGY_RECORDS = "energy_records"
    INSPECTION_CERTIFICATE = "inspection_certificate"
    MANUFACTURER_CERTIFICATE = "manufacturer_certificate"
    COMMERCIAL_INVOICE = "commercial_invoice"
    PACKING_LIST = "packing_list"
    BILL_OF_LADING = "bill_of_lading"
    CERTIFICATE_OF_ORIGIN = "certificate_of_origin"
    EU_DECLARATION_OF_CONFORMITY = "eu_declaration_of_conformity"
    INSTRUCTIONS = "instructions"
    MARKING_RECORD = "marking_record"
    REMANUFACTURED_GOODS_CERTIFICATE = "remanufactured_goods_certificate"
    IMPORT_APPROVAL = "import_approval"


class Condition(Vocabulary):
    NEW = "new"
    USED = "used"
    REFURBISHED = "refurbished"
    #: Rebuilt to the new machine's performance and warranty; judged as used unless a ruleset gives it
    #: a route of its own (Vietnam's Decree 66/2024/ND-CP for goods from the EU and the UK).
    REMANUFACTURED = "remanufactured"


class CustomsProcedure(Vocabulary):
    IMPORT = "import"
    TEMPORARY_IMPORT = "temporary_import"
    TRANSIT = "transit"
    EXPORT_PROCESSING_ZONE = "export_processing_zone"


#: HS code prefixes each machine type may be declared under. A code fits a type when it
#: starts with one of these digit strings.
HS_PREFIXES: dict[MachineType, tuple[str, ...]] = {
    MachineType.MACHINING_CENTER: ("845710",),
    MachineType.TURNING_MILLING_CENTER: ("845811", "845891", "845710"),
    MachineType.CNC_LATHE: ("845811", "845891"),
    MachineType.MILLING_MACHINE: ("845961",),
    MachineType.GRINDING_MACHINE: ("8460",),
    MachineType.EDM_MACHINE: ("845630",),
    MachineType.LASER_CUTTER: ("845611",),
    MachineType.PRESS_BRAKE: ("8462",),
    MachineType.OTHER_MACHINE_TOOL: (
        "8456",
        "8457",
        "8458",
        "8459",
        "8460",
        "8461",
        "8462",
        "8463",
        "8464",
        "8465",
    ),
}

#: EN 15804 life-cycle modules, in order.
STAGES: tuple[str, ...] = (
    "A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4", "B5", "B6", "B7", "C1", "C2", "C3", "C4", "D",
)  # fmt: skip
STAGE_ALIASES: dict[str, str] = {"raw_materials": "A1", "manufacturing": "A3", "transport": "A4"}

#: G7 members and Korea: Decision 18/2019 accepts their manufacturers' certificates.
G7_AND_KOREA: tuple[str, ...] = ("US", "JP", "DE", "FR", "GB", "IT", "CA", "KR")


def normalise_stage(value: str) -> str | None:
    """The EN 15804 module for a stage name or alias, or None when it is not one (each short name read
    once: a stock's carbon reports repeat the same few hundred thousand times)."""
    return (_stage_of_text if len(value) <= TEXT_KEPT else _read_stage)(value)


def _read_stage(value: str) -> str | None:
    v = value.strip()
    if v.lower() in STAGE_ALIASES:
        return STAGE_ALIASES[v.lower()]
    if v.upper() in STAGES:
        return v.upper()
    return None


_stage_of_text = functools.lru_cache(maxsize=1024)(_read_stage)


def normalise_values(field: str, values: list[object]) -> list[str]:
    """A document list field's values as rules compare them (standards, stages, capabilities, ...)."""
    if field == "standards":
        return [normalise_standard(str(v)) for v in values]
    if field == "stages":
        return [normalise_stage(str(v)) or str(v) for v in values]
    if field in ("capabilities", "languages", "markings"):
        return [str(v).strip().lower() for v in values]
    return [str(v) for v in values]


def normalise_hs(code: str) -> str | None:
    """HS code digits without dots or spaces, or None when it is not 4 to 10 digits."""
    digits = re.sub(r"[.\s]", "", code)
    if not re.fullmatch(r"\d{4,10}", digits):
        return None
    return digits


def hs_fits(machine_type: MachineType, hs_digits: str) -> bool:
    """Whether an HS code's heading fits the declared machine type."""
    prefixes = HS_PREFIXES[machine_type]
    # A code shorter than a 6-digit prefix (e.g. "8457") fits when it is that prefix's heading.
    return any(hs_digits.startswith(p) or p.startswith(hs_digits) for p in prefixes)


#: ISO standards recognised by number, written "ISO 14067", "ISO14067", "ISO Standard 14067", ...
_ISO_NUMBERS = ("14067", "14064", "14040", "14044", "14025", "9001", "14001", "50001")
#: A standard is matched by its whole number: "ISO 1406799" is not ISO 14067 (a year or part may follow).
_WHOLE = "(?![0-9a-z])"
_STANDARD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^iso\s*/?\s*tr\s*24122" + _WHOLE), "ISO/TR 24122"),
    *((re.compile(r"^iso\s*(standard\s*)?" + n + _WHOLE), f"ISO {n}") for n in _ISO_NUMBERS),
    (re.compile(r"^(en\s*)?15804" + _WHOLE), "EN 15804"),
    (re.compile(r"^(ghgp|ghg\s*protocol)"), "GHG Protocol Product"),
    (re.compile(r"^pact"), "PACT"),
)


def normalise_standard(value: str) -> str:
    """A canonical name for a methodology: 'ISO14067', 'ISO Standard 14067', 'iso 14067:2018' -> 'ISO 14067'.

    Unknown names are kept as written (stripped), so nothing a user states is lost.
    """
    probe = re.sub(r"[-_]", " ", value.strip().lower())
    for pattern, canonical in _STANDARD_PATTERNS:
        if pattern.match(probe):
            return canonical
    return value.strip()
