"""RawEvent → ScoredEvent: the scoring engine, pure given its data and ``now``.

Each category's score is the sum of the weights of its explanations (lexical and source-aware
features at their effective, diminishing weights, and modifiers), clamped to 0-100.
``category`` is the highest-scoring category when it reaches the lexicon's category threshold
(ties go to the category of the direct effect: regulatory, then supply chain, then political —
guideline T1), else ``none``. ``severity`` is the dominant score. ``confidence`` is the
source's reliability, raised by independent corroboration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from services.scorer.features.reason import Reason
from services.scorer.features.source_features import SourceWeights, source_features
from services.scorer.features.text_features import event_text_features
from services.scorer.lexicon import Lexicon
from shared.schemas import TIE_ORDER, Entity, RawEvent, RiskCategory, ScoredEvent


@dataclass(frozen=True)
class Enrichment:
    countries: list[str] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    countries_from_geo: bool = False


@dataclass(frozen=True)
class Story:
    """The event's story cluster: its id and how many independent sources reported it."""

    cluster_id: str | None = None
    sources: int = 1


Enricher = Callable[[RawEvent], Enrichment]


def scoring_text(raw: RawEvent) -> tuple[str, str]:
    """(headline, body) to read. A GDELT event has a title built from its codes ("Saudi coerce
    Egypt in Mansoura") and the article's URL slug, if it has one, as summary: the slug is the
    only text, and the codes are read as codes (source features), not twice as words."""
    if "gdelt_event_code" in raw.fields:
        return raw.summary, ""
    return raw.title, raw.summary


# Within a category the strongest feature counts in full and each further one at this factor of
# the one before: corroborating evidence raises a score without three weak words making a crisis.
CORROBORATION_DECAY = 0.35


def combine(explanations: list[Reason]) -> list[Reason]:
    """Features with their effective weights (diminishing per category); modifiers unchanged."""
    grouped: dict[str, tuple[list[Reason], list[Reason]]] = {c: ([], []) for c in TIE_ORDER}
    for explanation in explanations:
        features, others = grouped[explanation.category]
        if explanation.weight > 0 and not explanation.feature.startswith("modifier:"):
            features.append(explanation)
        else:
            others.append(explanation)
    combined: list[Reason] = []
    for category in TIE_ORDER:
        features, others = grouped[category]
        features.sort(key=_weight, reverse=True)
        for rank, explanation in enumerate(features):
            combined.append(explanation if rank == 0 else Reason(
                explanation.category, explanation.feature,
                round(explanation.weight * CORROBORATION_DECAY ** rank, 2), explanation.evidence))
        combined += others
    return combined


_weight = attrgetter("weight")


def category_scores(explanations: list[Reason]) -> dict[RiskCategory, float]:
    totals: dict[RiskCategory, float] = {c: 0.0 for c in TIE_ORDER}
    for explanation in explanations:
        totals[explanation.category] += explanation.weight
    return {c: round(min(100.0, max(0.0, v)), 2) for c, v in totals.items()}


def dominant(scores: dict[RiskCategory, float], threshold: float) -> tuple[RiskCategory | None, float]:
    best = max(TIE_ORDER, key=lambda c: (scores[c], -TIE_ORDER.index(c)))
    value = scores[best]
    return (best if value >= threshold else None), value


def severity_level(severity: float, category: str, lexicon: Lexicon) -> int:
    """0-3 as in the labelling guidelines: 0 none, 1 low, 2 medium, 3 high."""
    if category == "none":
        return 0
    _, medium, high = lexicon.levels
    return 3 if severity >= high else 2 if severity >= medium else 1


def corroborated(reliability: float, sources: int) -> float:
    """Each further independent source halves the remaining doubt."""
    return round(min(0.99, 1 - (1 - reliability) * 0.5 ** max(0, sources - 1)), 3)


@dataclass(frozen=True)
class ScoringEngine:
    lexicon: Lexicon
    weights: SourceWeights
    enrich: Enricher

    def explain(self, raw: RawEvent) -> list[Reason]:
        headline, body = scoring_text(raw)
        return combine(event_text_features(headline, body, self.lexicon)
                       + source_features(raw, self.weights))

    def score(
        self, raw: RawEvent, now: datetime, story: Story = Story(),
        enrichment: Enrichment | None = None,
    ) -> ScoredEvent:
        explanations = self.explain(raw)
        scores = category_scores(explanations)
        category, severity = dominant(scores, self.lexicon.category_threshold)
        enrichment = enrichment if enrichment is not None else self.enrich(raw)
        return ScoredEvent.from_raw(
            raw,
            countries=enrichment.countries,
            entities=enrichment.entities,
            scores=scores,
            severity=severity,
            confidence=corroborated(self.weights.reliability(raw), story.sources),
            category=category or "none",
            explanations=[reason.as_explanation() for reason in explanations],
            cluster_id=story.cluster_id,
            scored_at=now,
            scorer_version=self.lexicon.version,
        )
