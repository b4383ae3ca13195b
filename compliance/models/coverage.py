"""What no ruleset judges: the topics every answer names beside the rulesets it was judged by."""

from __future__ import annotations

from pydantic import Field

from compliance.models.common import Country, Identifier, Model, empty_list
from compliance.models.ruleset import Text


class Topic(Model):
    id: Identifier
    """A stable code for the topic (tariff-and-duties)."""
    text: Text
    """What is not judged, in English and Vietnamese."""
    destinations: list[Country] | None = None
    """The destinations it is said for; left out, every destination."""
    judged_by: list[Identifier] = Field(default_factory=empty_list)
    """Rulesets that judge it where they are in force for the destination (customs-dossier: Vietnam)."""

    def concerns(self, destination: str, judged: set[str]) -> bool:
        """Not judged for this destination: said for it, and no ruleset judged there covers it."""
        return (self.destinations is None or destination in self.destinations) and not (
            judged & set(self.judged_by)
        )


class CoverageFile(Model):
    not_judged: list[Topic] = Field(min_length=1)
    """Every topic no ruleset of the product judges."""
