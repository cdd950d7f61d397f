"""CountryRisk: the live risk index of one country, published when it changes materially."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from shared.schemas.base import Contract
from shared.schemas.scored_event import Iso3, RiskScores

Trend = Literal["rising", "falling", "stable"]


class CategoryTrends(Contract):
    regulatory: Trend = "stable"
    political: Trend = "stable"
    supply_chain: Trend = "stable"


class CountryRisk(Contract):
    schema_version: Literal[1] = 1
    country: Iso3
    index: RiskScores = Field(description="Per-category index, 0-100")
    overall: float = Field(ge=0, le=100)
    trend: CategoryTrends = Field(default_factory=CategoryTrends)
    event_count: int = Field(ge=0, description="Events that contributed within the decay window")
    updated_at: AwareDatetime
