"""ScoredEvent: a RawEvent with its countries, entities, risk scores and the reasons for them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from shared.schemas.base import Contract
from shared.schemas.raw_event import RawEvent

RiskCategory = Literal["regulatory", "political", "supply_chain"]
# The categories in the order they are stored and listed (the labelling guidelines' order).
RISK_CATEGORIES: tuple[RiskCategory, ...] = ("regulatory", "political", "supply_chain")
# Who wins a tie: the category of the direct effect (guideline T1) — a rule change, then a
# disruption, then the political context around them.
TIE_ORDER: tuple[RiskCategory, ...] = ("regulatory", "supply_chain", "political")
Iso3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Score = Annotated[float, Field(ge=0, le=100)]


class RiskScores(Contract):
    regulatory: Score = 0
    political: Score = 0
    supply_chain: Score = 0

    def dominant(self) -> tuple[RiskCategory, float]:
        """The highest-scoring category and its score; a tie goes by ``TIE_ORDER``, as the
        scorer breaks it."""
        best = max(TIE_ORDER, key=lambda c: (getattr(self, c), -TIE_ORDER.index(c)))
        return best, float(getattr(self, best))


class Explanation(Contract):
    """One feature that fired: every point of a score is traceable to one of these."""

    category: RiskCategory
    feature: str = Field(min_length=1, max_length=200)
    weight: float
    evidence: str = Field(max_length=1000)


class Entity(Contract):
    kind: Literal["country", "project", "corridor", "port", "chokepoint", "organisation", "vessel"]
    name: str = Field(min_length=1, max_length=500)
    ref: str | None = Field(default=None, max_length=200, description="ISO3, UN/LOCODE, MMSI …")


class ScoredEvent(RawEvent):
    countries: list[Iso3] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    scores: RiskScores
    severity: Score
    confidence: float = Field(ge=0, le=1)
    category: RiskCategory | Literal["none"]
    explanations: list[Explanation] = Field(default_factory=list)
    cluster_id: str | None = Field(default=None, max_length=64)
    scored_at: AwareDatetime
    scorer_version: str = Field(min_length=1, max_length=64)

    @classmethod
    def from_raw(cls, raw: RawEvent, **scoring: object) -> ScoredEvent:
        return cls.model_validate({**raw.model_dump(), **scoring})
