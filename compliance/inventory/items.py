"""A row's machine and documents, validated: the repeated columns once per distinct combination.

Both ways of judging rows use this: row by row (`judge`) and column by column (`columns`), so a row
is valid, and its machine what it is, in the same way whichever judges it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError, create_model

from compliance.inventory.model import OPTIONAL_COLUMNS, READ_AND_CARRIED, REQUIRED_COLUMNS, Row
from compliance.models.common import Model
from compliance.models.errors import UsageError
from compliance.models.manifest import Document, Item
from compliance.reading.validation import describe


class RowError(Exception):
    """A malformed row: its reason names the column."""


#: The columns read into the machine (the documents column names documents, read apart).
_ITEM_COLUMNS = frozenset(REQUIRED_COLUMNS + OPTIONAL_COLUMNS + READ_AND_CARRIED) - {"documents"}
#: A row's own columns; the others repeat across a stock (a model series' type, HS code, country).
OWN = ("id", "manufactured", "serial_number")
#: The shared columns, in a fixed order (a template machine's key).
SHARED = tuple(sorted(_ITEM_COLUMNS - set(OWN)))


_UNSEEN = object()


def _fields_model(name: str, fields: tuple[str, ...]) -> type[Model]:
    """A model of some of the machine's fields, with their own annotations and validators (not a
    copy of them by hand)."""
    return create_model(  # type: ignore[call-overload, no-any-return]
        name, __base__=Model, **{f: (Item.model_fields[f].annotation, Item.model_fields[f]) for f in fields}
    )


_IDS_MODEL = _fields_model("_RowIds", ("id", "serial_number"))
#: Manufacture dates repeat (a stock of 100,000 machines has a few thousand): each read once.
_MADE_MODEL = _fields_model("_RowMade", ("manufactured",))
#: The shortcut below is exact only while the machine model checks no field against another.
NO_CROSS_FIELD_CHECKS = not Item.__pydantic_decorators__.model_validators


#: A manufacture date that does not validate (`ItemReader.made_value`).
INVALID = object()


class ItemReader:
    """Validates rows' machines, the repeated columns once per distinct combination.

    A dealer's rows share most columns with their model series and differ in id, serial number and
    manufacture date: those three are validated on their own (with the machine model's own field
    types) and set on a copy of the series' validated machine. Any error, in either part, is
    validated again as a whole, so that the row's message names every bad column as before."""

    def __init__(self) -> None:
        self.shared: dict[tuple[str | None, ...], Item | None] = {}
        self.made: dict[str, object] = {}

    def template(self, key: tuple[str | None, ...]) -> Item | None:
        """The series' machine for these shared cells (in `SHARED` order); None when they are invalid."""
        template = self.shared.get(key, _UNSEEN)
        if template is _UNSEEN:
            try:
                shared = {c: v for c, v in zip(SHARED, key, strict=True) if v is not None}
                template = Item.model_validate({**shared, "id": "-", "manufactured": 2000})
            except ValidationError:
                template = None
            self.shared[key] = template
        return template  # type: ignore[return-value]

    def made_value(self, raw: str) -> object:
        """A manufacture cell validated (a date or a year), or `INVALID`; each distinct cell once."""
        made = self.made.get(raw, _UNSEEN)
        if made is _UNSEEN:
            if len(self.made) >= 100_000:
                self.made.clear()
            try:
                made = dict(_MADE_MODEL.model_validate({"manufactured": raw}))["manufactured"]
            except ValidationError:
                made = INVALID
            self.made[raw] = made
        return made

    def item(self, values: Mapping[str, str | None]) -> Item:
        if not NO_CROSS_FIELD_CHECKS:
            return Item.model_validate(_item_data(values))
        template = self.template(tuple([values.get(c) for c in SHARED]))
        raw = values.get("manufactured")
        if template is None or raw is None:
            return Item.model_validate(_item_data(values))
        made = self.made_value(raw)
        try:
            ids: Any = _IDS_MODEL.model_validate(
                {k: v for k in ("id", "serial_number") if (v := values.get(k)) is not None}
            )
        except ValidationError:
            return Item.model_validate(_item_data(values))
        if made is INVALID:
            return Item.model_validate(_item_data(values))
        return template.model_copy(
            update={"id": ids.id, "serial_number": ids.serial_number, "manufactured": made}
        )


def _item_data(values: Mapping[str, str | None]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k in _ITEM_COLUMNS and v is not None}


def parse_item(
    row: Row, documents: dict[str, Document], reader: ItemReader | None = None
) -> tuple[Item, list[Document]]:
    values = row.values
    if "__extra__" in values:
        raise RowError(f"line {row.line}: more cells than the header has columns")
    if "__formula__" in values:
        raise RowError(
            f"column '{values['__formula__']}': the cell holds a formula whose value was never computed; "
            "open and save the workbook in a spreadsheet program, or type the value"
        )
    if "__hs_number__" in values:
        raise RowError(
            "column 'hs_code': written as a number, which may have lost digits; format the cell as text"
        )
    try:
        item = reader.item(values) if reader is not None else Item.model_validate(_item_data(values))
    except ValidationError as exc:
        # Every bad column of the row at once, in the words a manifest's errors use.
        problems = []
        for err in exc.errors():
            column = str(err["loc"][0]) if err["loc"] else "row"
            msg = "required value is empty" if err["type"] == "missing" else describe(Item, dict(err))
            problems.append(f"column '{column}': {msg}")
        raise RowError("; ".join(problems)) from None
    return item, documents_of(values.get("documents"), documents, row.line)


def documents_of(cell: str | None, documents: dict[str, Document], line: int) -> list[Document]:
    """The documents a row's cell names, each once, in the order named."""
    docs: list[Document] = []
    for ref in (cell or "").split(";"):
        ref = ref.strip()
        if not ref:
            continue
        if not documents:
            # No documents file at all: one usage message, not an error on every row that names one.
            raise UsageError(
                f"line {line} names document '{ref}' in column 'documents', but no documents file was "
                "given: pass --documents FILE (the `documents:` list of a manifest)",
                field="--documents",
            )
        if ref not in documents:
            raise RowError(f"column 'documents': unknown document id '{ref}' (not in the documents file)")
        docs.append(documents[ref])
    # A document named twice in the cell is the same document: shown once (the engine must never see
    # one fact twice in a session).
    return list({d.id: d for d in docs}.values())
