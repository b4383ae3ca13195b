"""The shipment manifest."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator
from stdnum import iso6346

from compliance.models.common import Country, Date, Identifier, Model, YearOrDate
from compliance.vocab import (
    Condition,
    CustomsProcedure,
    DocumentType,
    MachineType,
    normalise_hs,
    normalise_stage,
)


class Tender(Model):
    country: Country
    reference: str | None = None
    carbon_criterion: Literal["mandatory", "scoring", "voluntary"] | None = None
    title: str | None = None


class Shipment(Model):
    id: Identifier
    origin: Country
    destination: Country
    arrival_date: Date
    #: Day of loading: order-by dates of documents needed before loading count back from it.
    departure_date: Date | None = None
    exporter: str | None = None
    importer: str | None = None
    vessel: str | None = None
    importer_registration: str | None = None
    tender: Tender | None = None


class Item(Model):
    id: Identifier
    machine_type: MachineType
    manufactured: YearOrDate
    condition: Condition
    description: str | None = None
    hs_code: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    serial_number: str | None = None
    quantity: int = Field(default=1, ge=1)
    container: str | None = None
    country_of_manufacture: Country | None = None
    customs_procedure: CustomsProcedure = CustomsProcedure.IMPORT

    @field_validator("hs_code", mode="before")
    @classmethod
    def _hs_code(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError(
                f"HS code written as a bare number ({value}) may have lost digits; write it in quotes, "
                f'e.g. "8457.10"'
            )
        if normalise_hs(value) is None:
            raise ValueError(
                f"'{value}' is not an HS code; expected 4 to 10 digits, dots allowed (e.g. \"8457.10\")"
            )
        return value.strip()

    @field_validator("container")
    @classmethod
    def _container(cls, value: str | None) -> str | None:
        if value is None:
            return None
        compact = iso6346.compact(value)
        if not iso6346.is_valid(compact):
            right = _right_check_digit(compact)
            if right is not None:
                raise ValueError(
                    f"'{value}' has the wrong ISO 6346 check digit: with {compact[:10]} it should be "
                    f"{right} ({compact[:10]}{right})"
                )
            raise ValueError(
                f"'{value}' is not a valid ISO 6346 container number (4 letters, 6 digits and a check digit; "
                "check the last digit)"
            )
        return compact

    @property
    def hs_digits(self) -> str | None:
        return normalise_hs(self.hs_code) if self.hs_code else None

    @property
    def is_used(self) -> bool:
        """Refurbished counts as used."""
        return self.condition in (Condition.USED, Condition.REFURBISHED)


def _right_check_digit(compact: str) -> str | None:
    """The check digit an otherwise well-formed container number should carry (None when the owner
    code, category or serial is itself malformed)."""
    import re

    if not re.fullmatch(r"[A-Z]{3}[UJZ][0-9]{6}[0-9]?", compact):
        return None
    return str(iso6346.calc_check_digit(compact[:10]))


class Verifier(Model):
    name: str | None = None
    accreditations: list[Identifier] = Field(default_factory=list)


class Document(Model):
    id: Identifier
    type: DocumentType
    covers: list[Identifier] | None = None
    issued: Date | None = None
    #: First day the document is valid, where it says (PACT's validityPeriodStart).
    valid_from: Date | None = None
    valid_until: Date | None = None
    #: The issuer's status of the document: ``deprecated`` (PACT: superseded by a newer footprint) is invalid.
    status: Literal["active", "deprecated"] | None = None
    issuer: str | None = None
    reference: str | None = None
    standards: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)
    transport_destination: Country | None = None
    ghg_scopes: list[Literal[1, 2, 3]] = Field(default_factory=list)
    functional_unit: str | None = None
    system_boundary: str | None = None
    primary_data_share: float | None = Field(default=None, ge=0.0, le=1.0)
    verifier: Verifier | None = None
    issuer_role: Literal["oem", "distributor", "third_party"] | None = None
    capabilities: list[str] = Field(default_factory=list)
    delivery: Literal["factory_installed", "software_license", "retrofit", "cloud_subscription"] | None = None
    software_version: str | None = None
    sensors: list[str] = Field(default_factory=list)
    protocols: list[str] = Field(default_factory=list)
    legalised: bool | None = None
    languages: list[str] = Field(default_factory=list)
    pact_file: str | None = None

    @field_validator("stages")
    @classmethod
    def _stages(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for stage in value:
            module = normalise_stage(str(stage))
            if module is None:
                raise ValueError(
                    f"'{stage}' is not an EN 15804 life-cycle module; expected A1..A5, B1..B7, C1..C4, D "
                    "or raw_materials, manufacturing, transport"
                )
            if module not in out:
                out.append(module)
        return out

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        # BCP 47: the primary language subtag decides (vi-VN, VI and vi_VN all mean Vietnamese).
        out: list[str] = []
        for v in value:
            primary = str(v).strip().replace("_", "-").split("-")[0].lower()
            if primary and primary not in out:
                out.append(primary)
        return out

    @field_validator("capabilities")
    @classmethod
    def _capabilities(cls, value: list[str]) -> list[str]:
        return [v.strip().lower() for v in value]


class Manifest(Model):
    shipment: Shipment
    items: list[Item] = Field(min_length=1)
    documents: list[Document] = Field(default_factory=list)

    def documents_for(self, item_id: str) -> list[Document]:
        """Documents that cover an item: those naming it, and those naming no item at all."""
        return [d for d in self.documents if d.covers is None or item_id in d.covers]


def manufactured_bounds(value: dt.date | int) -> tuple[dt.date, dt.date]:
    """Earliest and latest possible manufacture day: a bare year spans 1 January .. 31 December."""
    if isinstance(value, int):
        return dt.date(value, 1, 1), dt.date(value, 12, 31)
    return value, value
