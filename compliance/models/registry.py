"""The verifier accreditation registry."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from compliance.models.common import Date, Identifier, Model, empty_list


class Accreditation(Model):
    id: Identifier
    """The accreditation id documents name."""
    verifier: str
    """The accredited verification body."""
    body: str
    """The accreditation body (e.g. VinaCert, BoA, DAkkS)."""
    scopes: list[str] = Field(default_factory=empty_list)
    """What the accreditation covers (e.g. iso_14067, lifecycle_carbon_accounting)."""
    valid_from: Date
    """First day of validity."""
    valid_until: Date
    """Last day of validity."""
    status: Literal["active", "suspended", "withdrawn"] = "active"
    """active, suspended or withdrawn."""
    status_since: Date | None = None
    """From when a suspension or withdrawal applies."""

    @model_validator(mode="after")
    def _dates(self) -> Accreditation:
        if self.valid_until < self.valid_from:
            raise ValueError(
                f"valid_until {self.valid_until.isoformat()} is before valid_from {self.valid_from.isoformat()}"
            )
        return self

    def status_on(self, day: dt.date) -> str:
        """'active', 'suspended' or 'withdrawn' on a day; a suspension starts at ``status_since``."""
        if self.status == "active":
            return "active"
        if self.status_since is not None and day < self.status_since:
            return "active"
        return self.status

    def supports_on(self, day: dt.date) -> bool:
        """Within its validity and neither suspended nor withdrawn on that day."""
        return self.valid_from <= day <= self.valid_until and self.status_on(day) == "active"


class RegistryFile(Model):
    accreditations: list[Accreditation] = Field(default_factory=empty_list)
    """One entry per accreditation."""
    sample: bool = False
    """True for sample data (every output then says so)."""
    description: str | None = None
    """Free text."""
    published: Date | None = None
    """When the registry was published."""

    @model_validator(mode="after")
    def _unique(self) -> RegistryFile:
        ids = [a.id for a in self.accreditations]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"accreditation id(s) {', '.join(dupes)} listed twice in the same file")
        return self


class Registry(Model):
    """The accreditations of every registry file given, later files winning on the same id."""

    entries: dict[str, Accreditation]
    sources: list[str]
    is_sample: bool
    #: (accreditation id, earlier file, later file) for each id that a later file overrides.
    overridden: list[tuple[str, str, str]] = Field(default_factory=empty_list)
    #: Each file's publication day as it states it (None: it states none), in the order of ``sources``.
    published: list[dt.date | None] = Field(default_factory=empty_list)

    def stale_on(self, day: dt.date, renewed_months: int) -> list[tuple[str, dt.date | None]]:
        """The files (name, publication day) that a registry renewed every ``renewed_months`` would have
        replaced by ``day``, and those that state no publication day (nothing shows they are current)."""
        out: list[tuple[str, dt.date | None]] = []
        for source, published in zip(self.sources, self.published, strict=False):
            if published is None or add_months(published, renewed_months) < day:
                out.append((source, published))
        return out

    def get(self, accreditation_id: str) -> Accreditation | None:
        return self.entries.get(accreditation_id)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later (the month's last day where it is shorter)."""
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
