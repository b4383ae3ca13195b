"""The result of `compliance recheck`: which verdicts change between two ways of judging a folder."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from compliance.models.common import empty_list


class Side(BaseModel):
    """One way of judging: a rulesets folder (None: the shipped ones) and a day (None: each manifest's
    arrival date), with the bundle hash it judged by."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    rulesets_dir: str | None
    as_of: str | None
    rulesets_sha256: str


class Change(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    file: str
    shipment_id: str
    #: None for the shipment's own verdict.
    item_id: str | None
    before: str
    after: str


class Recheck(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    a: Side
    b: Side
    manifests: int
    changed_manifests: int
    changes: list[Change] = Field(default_factory=empty_list)
