"""Hypothesis strategies for valid manifests that hit the rulesets' edges, shared by the tests."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from compliance.models.manifest import Manifest
from compliance.models.vocab import STAGES, DocumentType, MachineType

ACCREDITATIONS = ["VC-1", "VC-NOSCOPE", "VC-SUSP", "VC-LAPSING", "CNAS-1", "UNKNOWN-1"]
DAYS = st.dates(min_value=dt.date(2025, 6, 1), max_value=dt.date(2027, 6, 1))
STANDARDS = [
    "ISO 14067",
    "ISO14067",
    "ISO Standard 14067",
    "ISO/TR 24122",
    "GHG Protocol Product",
    "ISO 9001",
]


@st.composite
def documents(draw: st.DrawFn, item_ids: list[str]) -> list[dict]:
    out: list[dict] = []
    for n in range(draw(st.integers(0, 6))):
        doc_type = draw(st.sampled_from([t.value for t in DocumentType]))
        doc: dict = {"id": f"D{n}", "type": doc_type}
        if draw(st.booleans()):
            doc["covers"] = draw(
                st.lists(st.sampled_from(item_ids), min_size=1, max_size=len(item_ids), unique=True)
            )
        if draw(st.integers(0, 9)) > 0:
            doc["issued"] = draw(DAYS).isoformat()
        if draw(st.booleans()):
            doc["valid_until"] = draw(
                st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2029, 1, 1))
            ).isoformat()
            # Now and then a document that ends before it was issued: invalid, never bad input.
            if "issued" in doc and doc["valid_until"] < doc["issued"] and draw(st.integers(0, 3)) > 0:
                doc["valid_until"] = doc["issued"]
        doc["standards"] = draw(st.lists(st.sampled_from(STANDARDS), max_size=3))
        doc["stages"] = draw(st.lists(st.sampled_from(list(STAGES)), max_size=17, unique=True))
        if draw(st.booleans()):
            doc["transport_destination"] = draw(st.sampled_from(["VN", "TH", "DE"]))
        doc["ghg_scopes"] = draw(st.lists(st.sampled_from([1, 2, 3]), max_size=3, unique=True))
        for field in ("functional_unit", "system_boundary"):
            if draw(st.booleans()):
                doc[field] = "stated"
        if draw(st.booleans()):
            doc["primary_data_share"] = draw(st.sampled_from([0.0, 1e-12, 5e-05, 0.3, 1.0]))
        if draw(st.integers(0, 3)) > 0:
            doc["verifier"] = {
                "name": draw(st.sampled_from(["Vina Verify JSC", "Someone Else"])),
                "accreditations": draw(st.lists(st.sampled_from(ACCREDITATIONS), max_size=2)),
            }
        if doc_type == "ai_diagnostics_attestation":
            doc["issuer_role"] = draw(st.sampled_from(["oem", "distributor", "third_party"]))
            doc["capabilities"] = draw(
                st.lists(
                    st.sampled_from(["remote_diagnostics", "predictive_maintenance", "other"]), unique=True
                )
            )
            delivery = draw(
                st.sampled_from(
                    [None, "factory_installed", "software_license", "retrofit", "cloud_subscription"]
                )
            )
            if delivery is not None:
                doc["delivery"] = delivery
            if draw(st.booleans()):
                doc["software_version"] = "1.0"
            doc["sensors"] = draw(st.lists(st.just("s"), max_size=1))
            doc["protocols"] = draw(st.lists(st.just("p"), max_size=1))
        if doc_type == "manufacturer_certificate":
            doc["legalised"] = draw(st.booleans())
            doc["languages"] = draw(st.lists(st.sampled_from(["vi", "vi-VN", "VI", "en", "ja"]), unique=True))
        # The fields of the 2026-12 rulesets: markings, the remanufacturer's code, the preference claimed.
        doc["markings"] = draw(
            st.lists(st.sampled_from(["ce", "importer_contact", "remanufactured_label_vi", "CE"]), max_size=3)
        )
        if draw(st.booleans()):
            doc["remanufacturer_code"] = "RM-1"
        if draw(st.booleans()):
            doc["preference"] = draw(st.sampled_from(["EVFTA", "ukvfta", "ATIGA"]))
        out.append(doc)
    return out


@st.composite
def manifests(draw: st.DrawFn) -> Manifest:
    n_items = draw(st.integers(1, 3))
    arrival = draw(DAYS)
    items = []
    for i in range(n_items):
        made: object
        if draw(st.booleans()):
            made = draw(st.integers(2010, arrival.year))
        else:
            made = draw(st.dates(min_value=dt.date(2010, 1, 1), max_value=arrival)).isoformat()
        it = {
            "id": f"L{i}",
            "machine_type": draw(st.sampled_from([t.value for t in MachineType])),
            "manufactured": made,
            "condition": draw(st.sampled_from(["new", "used", "refurbished", "remanufactured"])),
            "customs_procedure": draw(st.sampled_from(["import", "import", "temporary_import", "transit"])),
        }
        if draw(st.booleans()):
            it["country_of_manufacture"] = draw(st.sampled_from(["JP", "CN", "KR", "VN", "DE", "GB"]))
        if draw(st.booleans()):
            it["hs_code"] = draw(st.sampled_from(["8457.10", "8458.11", "8462.61", "9031.80"]))
        items.append(it)
    shipment: dict = {
        "id": "S", "origin": "CN", "destination": draw(st.sampled_from(["VN", "TH", "ID", "DE", "MY"])),
        "arrival_date": arrival.isoformat(),
    }  # fmt: skip
    if draw(st.booleans()):
        shipment["tender"] = {
            "country": "DE",
            "carbon_criterion": draw(st.sampled_from([None, "mandatory", "scoring"])),
        }
    return Manifest.model_validate(
        {"shipment": shipment, "items": items, "documents": draw(documents([it["id"] for it in items]))}
    )
