"""CountryEvent: the scorer's internal record feeding its country index (one per event and country)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from shared.schemas.base import Contract
from shared.schemas.scored_event import Iso3, RiskScores, Score


class CountryEventItem(Contract):
    """One scored event's share for a country, inside a ``batch`` record."""

    scores: RiskScores = Field(default_factory=RiskScores)
    severity: Score = 0
    at: AwareDatetime
    event_id: str = Field(min_length=1, max_length=200)


class CountryEvent(Contract):
    """One record of ``brisk.scorer.country-events`` (key = ISO3): a scored event's share for one
    country, a ``batch`` of such shares (one record per country per scoring batch: the index
    then writes its table once per batch instead of once per event), or a ``refresh`` tick that
    only lets decay and trends be re-published."""

    schema_version: Literal[1] = 1
    kind: Literal["event", "batch", "refresh"] = "event"
    country: Iso3
    scores: RiskScores = Field(default_factory=RiskScores)
    severity: Score = 0
    at: AwareDatetime = Field(description="When the event happened (or the tick was sent)")
    event_id: str | None = Field(default=None, min_length=1, max_length=200)
    items: list[CountryEventItem] = Field(default_factory=list, max_length=10_000)

    @model_validator(mode="after")
    def _events_have_ids(self) -> CountryEvent:
        if self.kind == "event" and self.event_id is None:
            raise ValueError("an event record needs its event_id (idempotency)")
        if self.kind == "batch" and not self.items:
            raise ValueError("a batch record needs items")
        return self
