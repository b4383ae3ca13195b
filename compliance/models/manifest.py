"""The shipment manifest."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from compliance.models.common import Country, Date, Identifier, Model, YearOrDate, empty_list
from compliance.models.vocab import (
    Condition,
    CustomsProcedure,
    DocumentType,
    MachineType,
    normalise_hs,
    normalise_stage,
)


class Tender(Model):
    country: Country
    """ISO 3166-1 alpha-2 code of the procuring authority."""
    reference: str | None = None
    """The tender's reference (e.g. TED number)."""
    carbon_criterion: Literal["mandatory", "scoring", "voluntary"] | None = None
    """How the tender applies ISO/TR 24122: mandatory (blocking), scoring (warning), voluntary (info); leave out when the tender does not say (review)."""
    title: str | None = None
    """Free text."""


class Shipment(Model):
    id: Identifier
    """Your reference for the shipment."""
    origin: Country
    """ISO 3166-1 alpha-2 country it ships from."""
    destination: Country
    """ISO 3166-1 alpha-2 country of import: its rules are checked."""
    arrival_date: Date
    """Day of the import declaration (YYYY-MM-DD); rules are judged as of this day unless --as-of is given."""
    #: Day of loading: order-by dates of documents needed before loading count back from it.
    departure_date: Date | None = None
    """Day of loading; documents needed before loading are ordered back from it."""
    exporter: str | None = None
    """Free text."""
    importer: str | None = None
    """Free text."""
    vessel: str | None = None
    """Free text."""
    importer_registration: str | None = None
    """The importer's enterprise registration number."""
    tender: Tender | None = None
    """Only when the goods are offered in a public tender."""


class Item(Model):
    id: Identifier
    """Unique in the manifest; documents name it in covers."""
    machine_type: MachineType
    """The kind of machine tool (vocabulary)."""
    manufactured: YearOrDate
    """Date of manufacture (YYYY-MM-DD), or the year alone when the day is unknown."""
    condition: Condition
    """new, used, refurbished or remanufactured (both count as used unless a rule gives remanufactured goods their own route)."""
    description: str | None = None
    """Free text."""
    hs_code: str | None = None
    """HS code, 4 to 10 digits, dots allowed; write it in quotes."""
    manufacturer: str | None = None
    """The maker."""
    model: str | None = None
    """The maker's model."""
    serial_number: str | None = None
    """Write it in quotes."""
    quantity: int = Field(default=1, ge=1)
    """At least 1."""
    container: str | None = None
    """ISO 6346 container number (the last digit is a check digit)."""
    country_of_manufacture: Country | None = None
    """ISO 3166-1 alpha-2; Decision 18 needs it for a manufacturer certificate."""
    customs_procedure: CustomsProcedure = CustomsProcedure.IMPORT
    """import (default), temporary_import, transit or export_processing_zone."""

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
        # Imported here: python-stdnum brings ssl, socket and pydoc with it (about 15 ms), and most
        # checks name no container.
        from stdnum import iso6346

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
        """Refurbished counts as used; so does remanufactured, wherever no ruleset gives it a route of its own."""
        return self.condition in (Condition.USED, Condition.REFURBISHED, Condition.REMANUFACTURED)


def _right_check_digit(compact: str) -> str | None:
    """The check digit an otherwise well-formed container number should carry (None when the owner
    code, category or serial is itself malformed)."""
    import re

    from stdnum import iso6346

    if not re.fullmatch(r"[A-Z]{3}[UJZ][0-9]{6}[0-9]?", compact):
        return None
    return str(iso6346.calc_check_digit(compact[:10]))


class Verifier(Model):
    name: str | None = None
    """The verifier's name as on the document (the accreditation id decides)."""
    accreditations: list[Identifier] = Field(default_factory=empty_list)
    """Accreditation ids as the accreditation body lists them; looked up in the registry."""


class Document(Model):
    id: Identifier
    """Unique in the manifest."""
    type: DocumentType
    """The kind of document (vocabulary)."""
    covers: list[Identifier] | None = None
    """Item ids the document is for; left out, it covers every item."""
    issued: Date | None = None
    """Issue date."""
    #: First day the document is valid, where it says (PACT's validityPeriodStart).
    valid_from: Date | None = None
    """First day of validity (PACT validityPeriodStart); not yet valid on the as-of day is invalid."""
    valid_until: Date | None = None
    """Last day of validity."""
    #: The issuer's status of the document: ``deprecated`` (PACT: superseded by a newer footprint) is invalid.
    status: Literal["active", "deprecated"] | None = None
    """active, or deprecated (withdrawn by its issuer in favour of a newer one): a deprecated document is invalid."""
    issuer: str | None = None
    """Who issued it (free text)."""
    reference: str | None = None
    """The document's own number."""
    standards: list[str] = Field(default_factory=empty_list)
    """Methodologies the document conforms to (e.g. ISO 14067, ISO/TR 24122)."""
    stages: list[str] = Field(default_factory=empty_list)
    """EN 15804 life-cycle modules covered (A1..A5, B1..B7, C1..C4, D)."""
    transport_destination: Country | None = None
    """Where the A4 transport leg ends (ISO 3166-1 alpha-2)."""
    ghg_scopes: list[Literal[1, 2, 3]] = Field(default_factory=empty_list)
    """GHG Protocol scopes covered (1, 2, 3)."""
    functional_unit: str | None = None
    """e.g. kg CO2e per machine-hour."""
    system_boundary: str | None = None
    """e.g. cradle-to-gate."""
    primary_data_share: float | None = Field(default=None, ge=0.0, le=1.0)
    """Share of primary data, 0 to 1."""
    verifier: Verifier | None = None
    """Who verified the report, with accreditation ids."""
    issuer_role: Literal["oem", "distributor", "third_party"] | None = None
    """oem, distributor or third_party (AI attestations)."""
    capabilities: list[str] = Field(default_factory=empty_list)
    """AI capabilities attested (remote_diagnostics, predictive_maintenance)."""
    delivery: Literal["factory_installed", "software_license", "retrofit", "cloud_subscription"] | None = None
    """How the AI capability is delivered; only factory_installed satisfies the joint guidelines."""
    software_version: str | None = None
    """Software version of the AI capability."""
    sensors: list[str] = Field(default_factory=empty_list)
    """Sensors the AI capability uses."""
    protocols: list[str] = Field(default_factory=empty_list)
    """Data protocols (e.g. MTConnect, OPC UA)."""
    legalised: bool | None = None
    """Consularly legalised (manufacturer certificates, Decision 18)."""
    languages: list[str] = Field(default_factory=empty_list)
    """BCP 47 language tags of the document (vi, vi-VN, en)."""
    markings: list[str] = Field(default_factory=empty_list)
    """What a marking record shows on the machine or its packaging (ce, importer_contact, remanufactured_label_vi)."""
    remanufacturer_code: str | None = None
    """The remanufacturer identification code the certificate names (Vietnam, Decree 66/2024/ND-CP)."""
    preference: str | None = None
    """The trade agreement a certificate of origin claims a preference under (EVFTA, UKVFTA, ATIGA, ...)."""
    pact_file: str | None = None
    """A WBCSD PACT footprint JSON in the manifest folder; fills the fields left out."""

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

    @field_validator("preference")
    @classmethod
    def _preference(cls, value: str | None) -> str | None:
        # Agreement names are acronyms: "evfta" and "EVFTA" are the same claim.
        return value.strip().upper() or None if value is not None else None

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

    @field_validator("capabilities", "markings")
    @classmethod
    def _capabilities(cls, value: list[str]) -> list[str]:
        return [v.strip().lower() for v in value]


class Manifest(Model):
    shipment: Shipment
    """The shipment."""
    items: list[Item] = Field(min_length=1)
    """The machines, one entry per line item."""
    documents: list[Document] = Field(default_factory=empty_list)
    """The documents held for the items."""

    def documents_for(self, item_id: str) -> list[Document]:
        """Documents that cover an item: those naming it, and those naming no item at all."""
        return [d for d in self.documents if d.covers is None or item_id in d.covers]


def manufactured_bounds(value: dt.date | int) -> tuple[dt.date, dt.date]:
    """Earliest and latest possible manufacture day: a bare year spans 1 January .. 31 December."""
    if isinstance(value, int):
        return dt.date(value, 1, 1), dt.date(value, 12, 31)
    return value, value
