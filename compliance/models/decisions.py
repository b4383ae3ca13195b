"""Decisions on review items: what a person settled, who, why, until when (a decisions file)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from compliance.models.common import Country, Date, Identifier, Model, empty_list


class DecisionItem(Model):
    """Which machine a decision settles: one line of one shipment, a manufacturer's model, or one
    serial number. Exactly one way."""

    shipment_item: str | None = None
    """A shipment's line item, as ``SHIPMENT-ID/ITEM-ID`` (the manifest's `shipment.id` and item `id`)."""
    manufacturer: str | None = None
    """With `model`: every machine of this manufacturer's model."""
    model: str | None = None
    """With `manufacturer`: the model name as the manifest writes it."""
    serial_number: str | None = None
    """One machine, by the serial number the manifest gives."""

    @model_validator(mode="after")
    def _one_way(self) -> DecisionItem:
        ways = [
            self.shipment_item is not None,
            self.manufacturer is not None or self.model is not None,
            self.serial_number is not None,
        ]
        if sum(ways) != 1:
            raise ValueError("name the item one way: shipment_item, manufacturer + model, or serial_number")
        if (self.manufacturer is None) != (self.model is None):
            raise ValueError("manufacturer and model go together")
        if self.shipment_item is not None and "/" not in self.shipment_item:
            raise ValueError("shipment_item is SHIPMENT-ID/ITEM-ID, e.g. SHP-2026-0142/L1")
        return self


class Decision(Model):
    """A person's decision on a requirement left to review."""

    id: Identifier
    """The decision's own id (cited in reports and audit lines)."""
    ruleset: Identifier
    """The ruleset id, as `compliance rulesets list` shows it."""
    requirement: Identifier
    """The requirement id within the ruleset."""
    item: DecisionItem
    """The machine(s) the decision is about."""
    destination: Country | None = None
    """Only for imports into this country (ISO 3166-1 alpha-2); none: any destination."""
    outcome: Literal["accept", "reject"]
    """accept: the requirement counts as satisfied; reject: it counts as failed."""
    decided_by: str = Field(min_length=1)
    """Who decided (name and role)."""
    approved_by: str = Field(min_length=1)
    """Who approved the decision."""
    reason: str = Field(min_length=1)
    """Why, in words a customs officer can read."""
    reference: str = Field(min_length=1)
    """A ticket, a ruling number, a letter."""
    decided_on: Date
    """The day the decision was made."""
    expires: Date
    """The last day it applies (inclusive, in the destination's calendar). Every decision expires."""

    @model_validator(mode="after")
    def _dates(self) -> Decision:
        if self.expires < self.decided_on:
            raise ValueError(f"expires {self.expires} is before decided_on {self.decided_on}")
        return self


class DecisionsFile(Model):
    """A decisions file: `compliance check --decisions FILE`."""

    decisions: list[Decision] = Field(default_factory=empty_list)
    """The decisions, each with its own id."""

    @model_validator(mode="after")
    def _unique(self) -> DecisionsFile:
        seen: set[str] = set()
        for d in self.decisions:
            if d.id in seen:
                raise ValueError(f"decision id '{d.id}' is given twice")
            seen.add(d.id)
        return self


def in_force(decision: Decision, day: dt.date) -> bool:
    return decision.decided_on <= day <= decision.expires
