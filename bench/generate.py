"""Generate inventories: model series sharing documents, many ages, a few malformed rows.

Two stocks: the repetitive one (120 series whose rows repeat, so most rows are cache hits) and, with
``realistic=True``, a used-machinery dealer's: 600 series, every machine its own serial number and
manufacture day, a fifth of the documents specific to one serial number (an inspection certificate
or a carbon report of that machine), mixed conditions and customs procedures."""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from pathlib import Path

TYPES = [
    ("machining_center", "8457.10"), ("turning_milling_center", "8458.91"), ("cnc_lathe", "8458.11"),
    ("milling_machine", "8459.61"), ("grinding_machine", "8460.24"), ("laser_cutter", "8456.11"),
]  # fmt: skip
COUNTRIES = ["CN", "JP", "KR", "DE", "TW"]


def generate(
    rows: int, out_dir: Path, *, series: int = 120, seed: int = 2026, realistic: bool = False
) -> tuple[Path, Path]:
    rng = random.Random(seed)
    if realistic:
        series = max(series, 600)
    out_dir.mkdir(parents=True, exist_ok=True)
    docs_lines = ["documents:"]
    models = []
    for s in range(series):
        mtype, hs = TYPES[s % len(TYPES)]
        country = COUNTRIES[s % len(COUNTRIES)]
        ids = []
        if s % 3 != 2:
            ids.append(f"LCA-{s}")
            verifier = ["VC-LCA-0042", "CNAS-V-1207", "DAkkS-D-PL-0815"][s % 3]
            stages = "[A1, A2, A3, A4]" if s % 4 else "[A1, A2, A3]"
            docs_lines += [
                f"  - id: LCA-{s}", "    type: carbon_footprint_report", "    issued: 2026-05-20",
                '    standards: ["ISO 14067"]', f"    stages: {stages}", "    transport_destination: VN",
                f"    verifier: {{name: Verifier {s}, accreditations: [{verifier}]}}",
            ]  # fmt: skip
        if s % 2 == 0:
            ids.append(f"AI-{s}")
            delivery = "retrofit" if s % 10 == 0 else "factory_installed"
            docs_lines += [
                f"  - id: AI-{s}", "    type: ai_diagnostics_attestation", "    issued: 2026-04-02",
                "    issuer_role: oem", "    capabilities: [remote_diagnostics, predictive_maintenance]",
                f"    delivery: {delivery}", '    software_version: "1.0"', "    sensors: [spindle]",
                "    protocols: [MTConnect]",
            ]  # fmt: skip
        ids.append(f"CE-{s}")
        docs_lines += [f"  - id: CE-{s}", "    type: ce_declaration", "    issued: 2015-01-01"]
        if s % 5 == 0:
            ids.append(f"INS-{s}")
            docs_lines += [f"  - id: INS-{s}", "    type: inspection_certificate", "    issued: 2026-05-01"]
        models.append((f"M-{s}", mtype, hs, country, ";".join(ids)))
    docs = out_dir / "documents.yaml"
    inv = out_dir / "inventory.csv"
    start = dt.date(2011, 1, 1).toordinal()
    end = dt.date(2026, 6, 1).toordinal()
    with inv.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "machine_type", "manufactured", "condition", "hs_code", "manufacturer", "model",
                    "serial_number", "country_of_manufacture", "customs_procedure", "documents", "warehouse",
                    "price_usd"])  # fmt: skip
        for i in range(rows):
            model, mtype, hs, country, ids = models[rng.randrange(series)]
            made: str = dt.date.fromordinal(rng.randrange(start, end)).isoformat()
            if rng.random() < 0.1:
                made = made[:4]
            condition = "new" if made >= "2025" else rng.choice(["used", "used", "refurbished"])
            procedure = "import" if rng.random() < 0.95 else "temporary_import"
            serial = f"SN-{i:07d}"
            if realistic:
                procedure = rng.choice(["import"] * 8 + ["temporary_import", "transit", "export_processing_zone"])
                if rng.random() < 0.2:  # a document of this one machine
                    own = f"OWN-{i}"
                    if rng.random() < 0.5:
                        docs_lines += [f"  - id: {own}", "    type: inspection_certificate",
                                       f"    issued: 2026-0{1 + i % 6}-1{i % 9}"]  # fmt: skip
                    else:
                        docs_lines += [
                            f"  - id: {own}", "    type: carbon_footprint_report", f"    issued: 2026-0{1 + i % 6}-20",
                            '    standards: ["ISO 14067"]', "    stages: [A1, A2, A3, A4]", "    transport_destination: VN",
                            "    verifier: {name: Vina Verify JSC, accreditations: [VC-LCA-0042]}",
                        ]  # fmt: skip
                    ids = f"{ids};{own}"
            if i % 5000 == 4999:
                made = "2019-13-45"  # a malformed row, as warehouses export them
            w.writerow([f"INV-{i:06d}", mtype, made, condition, hs, "Example OEM", model, serial, country, procedure,
                        ids, f"WH-{rng.randrange(9)}", rng.randrange(5000, 200000)])  # fmt: skip
    docs.write_text("\n".join(docs_lines) + "\n", encoding="utf-8")
    return inv, docs


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(*generate(n, Path(sys.argv[2] if len(sys.argv) > 2 else "bench/out")))
