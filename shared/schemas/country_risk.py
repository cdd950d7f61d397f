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


class StructuralProfile(Contract):
    """The slow-moving part of a country's risk; ``None`` where the source has no data."""

    political: float | None = Field(default=None, ge=0, le=100, description="From WGI pv")
    regulatory: float | None = Field(default=None, ge=0, le=100, description="From WGI rq, rl")
    supply_chain: float | None = Field(default=None, ge=0, le=100,
                                       description="From WGI ge, a weak proxy")
    wgi_year: int | None = None
    cultural_distance_to_china: float | None = Field(
        default=None, ge=0, description="Kogut-Singh over 4 Hofstede dimensions")


class CountryRisk(Contract):
    schema_version: Literal[1] = 1
    country: Iso3
    index: RiskScores = Field(description="Per-category index, 0-100")
    overall: float = Field(ge=0, le=100)
    trend: CategoryTrends = Field(default_factory=CategoryTrends)
    event_count: int = Field(ge=0, description="Events that contributed within the decay window")
    spike: bool = Field(default=False, description="Event volume or severity far above the "
                        "country's trailing baseline")
    structural: StructuralProfile | None = None
    updated_at: AwareDatetime
