"""Writing manifest workbooks: the blank template a clerk fills in (`compliance template`), and any
manifest as a workbook or a workbook as YAML (`compliance convert`).

The template carries what makes it hard to fill wrongly: a note on every column (the field's
description), drop-down lists for every vocabulary (machine types, conditions, document types...),
date cells formatted as dates, an example row, and a `Read me` sheet."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from compliance.language.i18n import N_, gettext
from compliance.models.manifest import Document, Item, Manifest, Shipment, Tender
from compliance.models.schemas import attribute_docs
from compliance.reading.workbook import (
    DOCUMENT_COLUMNS,
    ITEM_COLUMNS,
    LIST_SEPARATOR,
    SHIPMENT_FIELDS,
    annotation_of,
    is_list,
    variants,
)

README = (
    N_("How to fill in this manifest workbook"),
    N_("Shipment: one value per field, in column B (dates as dates, countries as two letters: VN, TH, CN)."),
    N_("Items: one row per line item; machine_type, condition and customs_procedure come from the lists."),
    N_(
        "Documents: one row per document; covers names the item ids it covers, separated by ';' "
        "(empty: every item)."
    ),
    N_("List fields (standards, stages, capabilities...) take several values separated by ';'."),
    N_("Every column has a note: hover over its header. Delete the example rows before you check."),
    N_("Check it: compliance check this-file.xlsx (add --format pdf -o checklist.pdf for the checklist)."),
)

EXAMPLE_SHIPMENT = {
    "id": "SHP-2026-0001", "origin": "CN", "destination": "VN", "arrival_date": dt.date(2026, 10, 2),
    "exporter": "Example Exporter Co.", "importer": "Example Importer JSC",
}  # fmt: skip
EXAMPLE_ITEM = {
    "id": "L1", "machine_type": "machining_center", "manufactured": dt.date(2019, 3, 1), "condition": "used",
    "hs_code": "8457.10", "manufacturer": "Example OEM", "model": "VMC-850", "serial_number": "VMC850-19-001",
    "country_of_manufacture": "CN", "container": "MSCU1234566",
}  # fmt: skip
EXAMPLE_DOCUMENT = {
    "id": "CFP-1", "type": "carbon_footprint_report", "covers": "L1", "issued": dt.date(2026, 5, 20),
    "standards": "ISO 14067", "stages": "A1;A2;A3;A4", "transport_destination": "VN",
    "verifier.name": "Vina Verify JSC", "verifier.accreditations": "VC-1",
}  # fmt: skip


def choices(ann: Any) -> list[str]:
    """The values a column allows, when it is a vocabulary (an enum, a fixed set, yes/no)."""
    for a in variants(ann):
        inner = get_args(a)[0] if get_origin(a) is list and get_args(a) else a
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            return [str(m.value) for m in inner]
        if get_origin(inner) is Literal:
            return [str(v) for v in get_args(inner)]
        if inner is bool:
            return ["yes", "no"]
    return []


def _is_date(ann: Any) -> bool:
    """A column of days only (not `manufactured`, which also takes a bare year: a year typed in a cell
    formatted as a date would read back as a day in 1905)."""
    flat = [x for a in variants(ann) for x in (a, *get_args(a))]
    return dt.date in flat and int not in flat


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return f"{LIST_SEPARATOR} ".join(str(v) for v in value) or None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value) if len(value) == 10 and value[4] == "-" else value
        except ValueError:
            return value
    return value


def _flatten(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


class _Book:
    def __init__(self) -> None:
        from openpyxl import Workbook

        self.book = Workbook()
        self.lists = self.book.active
        self.lists.title = "Lists"
        self.lists.sheet_state = "hidden"
        self.list_ranges: dict[str, str] = {}

    def _list_range(self, values: list[str]) -> str:
        key = "|".join(values)
        if key not in self.list_ranges:
            col = len(self.list_ranges) + 1
            for r, v in enumerate(values, start=1):
                self.lists.cell(row=r, column=col, value=v)
            from openpyxl.utils import get_column_letter

            letter = get_column_letter(col)
            self.list_ranges[key] = f"Lists!${letter}$1:${letter}${len(values)}"
        return self.list_ranges[key]

    def _guard(self, sheet: Any, ref: str, ann: Any) -> None:
        """A drop-down list for a vocabulary cell, a date format note for a date cell."""
        from openpyxl.worksheet.datavalidation import DataValidation

        values = choices(ann)
        if values and not is_list(ann):
            dv = DataValidation(type="list", formula1=f"={self._list_range(values)}", allow_blank=True,
                                showErrorMessage=True, errorTitle="Not in the list",
                                error=f"Choose one of: {', '.join(values)}")  # fmt: skip
            sheet.add_data_validation(dv)
            dv.add(ref)

    def table(
        self, title: str, model: type[BaseModel], columns: list[str], rows: list[dict[str, Any]]
    ) -> None:
        from openpyxl.comments import Comment
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        sheet = self.book.create_sheet(title)
        docs = {**attribute_docs(model)}
        for c, name in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=c, value=name)
            cell.font = Font(bold=True)
            head, _, sub = name.partition(".")
            note = docs.get(head, "") if not sub else _sub_doc(model, head, sub)
            ann = annotation_of(model, name)
            if is_list(ann):
                note += " Several values: separate them with ';'."
            if choices(ann):
                note += f" One of: {', '.join(choices(ann))}."
            if note.strip():
                cell.comment = Comment(note.strip(), "compliance")
            letter = get_column_letter(c)
            self._guard(sheet, f"{letter}2:{letter}1000", ann)
            sheet.column_dimensions[letter].width = max(12, min(40, len(name) + 4))
            for r, row in enumerate(rows, start=2):
                value = _cell(row.get(name))
                target = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, dt.date):
                    target.number_format = "yyyy-mm-dd"
            if _is_date(ann):
                for r in range(2, 1001):
                    sheet.cell(row=r, column=c).number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"

    def shipment(self, values: dict[str, Any]) -> None:
        from openpyxl.comments import Comment
        from openpyxl.styles import Font

        sheet = self.book.create_sheet("Shipment", 0)
        sheet.cell(row=1, column=1, value="field").font = Font(bold=True)
        sheet.cell(row=1, column=2, value="value").font = Font(bold=True)
        docs, tender_docs = attribute_docs(Shipment), attribute_docs(Tender)
        for r, name in enumerate(SHIPMENT_FIELDS, start=2):
            head, _, sub = name.partition(".")
            label = sheet.cell(row=r, column=1, value=name)
            note = tender_docs.get(sub, "") if sub else docs.get(head, "")
            if note:
                label.comment = Comment(note, "compliance")
            value = _cell(values.get(name))
            cell = sheet.cell(row=r, column=2, value=value)
            ann = annotation_of(Tender if sub else Shipment, sub or head)
            if _is_date(ann):
                cell.number_format = "yyyy-mm-dd"
            self._guard(sheet, f"B{r}", ann)
        sheet.column_dimensions["A"].width = 26
        sheet.column_dimensions["B"].width = 40

    def readme(self, lang: str) -> None:
        from openpyxl.styles import Font

        sheet = self.book.create_sheet("Read me")
        for r, line in enumerate(README, start=1):
            cell = sheet.cell(row=r, column=1, value=gettext(line, lang))
            if r == 1:
                cell.font = Font(bold=True, size=14)
        sheet.column_dimensions["A"].width = 110

    def save(self, path: Path) -> None:
        self.book.move_sheet("Lists", offset=len(self.book.sheetnames))
        self.book.active = 0
        self.book.save(path)


def _sub_doc(model: type[BaseModel], head: str, sub: str) -> str:
    inner = annotation_of(model, head)
    for a in variants(inner):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return attribute_docs(a).get(sub, "")
    return ""


def write_template(path: Path, lang: str = "en") -> None:
    """The blank manifest workbook, with one example row per sheet."""
    book = _Book()
    book.shipment(EXAMPLE_SHIPMENT)
    book.table("Items", Item, ITEM_COLUMNS, [EXAMPLE_ITEM])
    book.table("Documents", Document, DOCUMENT_COLUMNS, [EXAMPLE_DOCUMENT])
    book.readme(lang)
    book.save(path)


def write_workbook(manifest: Manifest, path: Path, lang: str = "en") -> None:
    """A manifest as a workbook that reads back into the same manifest."""
    data = manifest.model_dump(mode="json", exclude_none=True)
    book = _Book()
    book.shipment(_flatten(data["shipment"]))
    book.table("Items", Item, ITEM_COLUMNS, [_flatten(i) for i in data["items"]])
    book.table("Documents", Document, DOCUMENT_COLUMNS, [_flatten(d) for d in data["documents"]])
    book.readme(lang)
    book.save(path)


def manifest_csv(manifest: Manifest) -> str:
    """A manifest in the one-sheet CSV form: the blocks [Shipment], [Items] and [Documents]."""
    import csv
    import io

    data = manifest.model_dump(mode="json", exclude_none=True)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")

    def text(value: Any) -> str:
        cell = _cell(value)
        return "" if cell is None else cell.isoformat() if isinstance(cell, dt.date) else str(cell)

    w.writerow(["[Shipment]"])
    shipment = _flatten(data["shipment"])
    for name in SHIPMENT_FIELDS:
        if name in shipment:
            w.writerow([name, text(shipment[name])])
    for block, columns, rows in (("Items", ITEM_COLUMNS, data["items"]),
                                 ("Documents", DOCUMENT_COLUMNS, data["documents"])):  # fmt: skip
        flat = [_flatten(r) for r in rows]
        used = [c for c in columns if any(c in r for r in flat)]
        w.writerow([])
        w.writerow([f"[{block}]"])
        w.writerow(used)
        for r in flat:
            w.writerow([text(r.get(c)) for c in used])
    return out.getvalue()


def manifest_yaml(manifest: Manifest) -> str:
    """A manifest as YAML (a workbook converted for version control or review)."""
    import yaml

    data = manifest.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
