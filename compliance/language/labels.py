"""Words for the codes a report carries (verdicts, statuses, document types...), in either language.

The codes stay in the JSON; people read these. Marked with ``N_`` for extraction and translated where
they are shown, through the renderer's catalog."""

from __future__ import annotations

from compliance.language.i18n import N_, gettext

VERDICT: dict[str, str] = {"clear": N_("CLEAR"), "review": N_("REVIEW"), "hold": N_("HOLD")}

STATUS: dict[str, str] = {
    "satisfied": N_("satisfied"),
    "missing": N_("missing"),
    "invalid": N_("invalid"),
    "failed": N_("failed"),
    "review": N_("to review"),
}

SEVERITY: dict[str, str] = {"blocking": N_("blocking"), "warning": N_("warning"), "info": N_("info")}

DOCUMENT_TYPE: dict[str, str] = {
    "carbon_footprint_report": N_("Carbon-footprint (LCA) report"),
    "ai_diagnostics_attestation": N_("AI diagnostics attestation"),
    "ce_declaration": N_("CE declaration of conformity"),
    "iso_certificate": N_("ISO management-system certificate"),
    "epd": N_("Environmental product declaration (EPD)"),
    "energy_records": N_("Energy-consumption records"),
    "inspection_certificate": N_("Inspection certificate"),
    "manufacturer_certificate": N_("Manufacturer's certificate"),
    "commercial_invoice": N_("Commercial invoice"),
    "packing_list": N_("Packing list"),
    "bill_of_lading": N_("Bill of lading"),
    "certificate_of_origin": N_("Certificate of origin"),
    "eu_declaration_of_conformity": N_("EU declaration of conformity"),
    "instructions": N_("Instructions for use and safety information"),
    "marking_record": N_("Record of the machine's markings (plate, labels)"),
    "remanufactured_goods_certificate": N_("Certificate of eligibility as remanufactured goods"),
    "import_approval": N_("Import approval"),
}

MACHINE_TYPE: dict[str, str] = {
    "machining_center": N_("machining centre"),
    "turning_milling_center": N_("turning-milling centre"),
    "cnc_lathe": N_("CNC lathe"),
    "milling_machine": N_("milling machine"),
    "grinding_machine": N_("grinding machine"),
    "edm_machine": N_("EDM machine"),
    "laser_cutter": N_("laser cutter"),
    "press_brake": N_("press brake"),
    "other_machine_tool": N_("other machine tool"),
}

CONDITION: dict[str, str] = {
    "new": N_("new"), "used": N_("used"), "refurbished": N_("refurbished"), "remanufactured": N_("remanufactured"),
}  # fmt: skip

SOURCE_CONFIDENCE: dict[str, str] = {
    "official": N_("official text"),
    "official_summary": N_("official summary"),
    "reported": N_("reported, not the official text"),
    "anticipated": N_("anticipated (draft)"),
}

TABLES: dict[str, dict[str, str]] = {
    "verdict": VERDICT,
    "status": STATUS,
    "severity": SEVERITY,
    "document_type": DOCUMENT_TYPE,
    "machine_type": MACHINE_TYPE,
    "condition": CONDITION,
    "source_confidence": SOURCE_CONFIDENCE,
}


def label(kind: str, code: str | None, lang: str) -> str:
    """The word for ``code`` in ``lang``; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return ""
    words = TABLES[kind].get(code)
    return gettext(words, lang) if words is not None else code
