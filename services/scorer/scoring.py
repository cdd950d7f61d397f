"""RawEvent → ScoredEvent: the scoring engine, pure given its data and ``now``.

Detection, then severity. A category's *evidence* is the sum of its features (lexical and
source-aware, at diminishing weights) and counter-evidence modifiers; it is *detected* when the
evidence reaches the category threshold (= the lexicon's low severity level). The severity
modifiers of a detected category (hedges, threats, scale, casualties, follow-ups,
de-escalation) then move its score by whole guideline levels, and never below the threshold:
a hedge lowers how severe a risk is, not whether it is one.

Each category's score is the sum of the weights of its explanations, clamped to 0-100; a
severity modifier's weight is the points its notch moved the score. ``category`` is the
highest-scoring category when it reaches the threshold (ties go to the category of the direct
effect: regulatory, then supply chain, then political — guideline T1), else ``none``.
``severity`` is the dominant score. ``confidence`` is the source's reliability, raised by
independent corroboration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from services.scorer.features.reason import Reason
from services.scorer.features.source_features import SourceWeights, source_features
from services.scorer.features.text_features import Notch, event_text_features
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


def combine(explanations: list[Reason], notches: list[Notch] | None = None,
            lexicon: Lexicon | None = None) -> list[Reason]:
    """Features with their effective weights (diminishing per category), counter-evidence
    unchanged, then each detected category's severity notches as the points they move."""
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
    if notches and lexicon is not None:
        combined += notch_reasons(combined, notches, lexicon)
    return combined


# Severity notches: moving a score by whole guideline levels (0 none … 3 high). A score maps to
# a position on the level scale, linear within each band of the lexicon's severity_levels
# (0-low → 0-1, low-medium → 1-2, medium-high → 2-3, high-100 → 3-4). A notch adds or removes one
# level and keeps the score's place inside its band, so "threatens a strike" sits one level below
# "strike" and the order among threats is kept; the result never leaves [low, 100].
TOP_PLACE = 3.99


def _bounds(levels: tuple[float, float, float]) -> tuple[float, float, float, float, float]:
    low, medium, high = levels
    return (0.0, low, medium, high, 100.0)


def position(score: float, levels: tuple[float, float, float]) -> float:
    """0-4: the level a score is in, plus how far into that level's band it sits."""
    bounds = _bounds(levels)
    score = min(100.0, max(0.0, score))
    for level in range(3):
        if score < bounds[level + 1]:
            return level + (score - bounds[level]) / (bounds[level + 1] - bounds[level])
    return 3 + (score - bounds[3]) / (bounds[4] - bounds[3])


def score_at(place: float, levels: tuple[float, float, float]) -> float:
    """The inverse of ``position``."""
    bounds = _bounds(levels)
    place = min(4.0, max(0.0, place))
    level = min(3, int(place))
    return bounds[level] + (place - level) * (bounds[level + 1] - bounds[level])


def shifted(score: float, notches: int, levels: tuple[float, float, float]) -> float:
    """``score`` moved by ``notches`` levels, kept within [low, 100]."""
    # 100 is the top of level 3, not a level of its own: one notch down from it is level 2.
    place = min(4.0, max(1.0, min(TOP_PLACE, position(score, levels)) + notches))
    return round(score_at(place, levels), 2)


def notch_reasons(evidence: list[Reason], notches: list[Notch], lexicon: Lexicon) -> list[Reason]:
    """One reason per (category, modifier): raising notches first (the event's own scale and
    casualties), then lowering ones (a threatened or reported event sits below the event)."""
    totals: dict[str, float] = {}
    for reason in evidence:
        totals[reason.category] = totals.get(reason.category, 0.0) + reason.weight
    reasons: list[Reason] = []
    seen: set[tuple[str, str]] = set()
    for notch in sorted(notches, key=_notch_order):
        key = (notch.category, notch.modifier)
        score = min(100.0, totals.get(notch.category, 0.0))
        if key in seen or score < lexicon.category_threshold:
            continue
        seen.add(key)
        total = totals[notch.category]
        new = shifted(score, notch.notches, lexicon.levels)
        # Above 100 a raising notch adds nothing, a lowering one counts from the real total.
        delta = round(new - (score if notch.notches > 0 else total), 2)
        totals[notch.category] = total + delta
        if delta:
            reasons.append(Reason(notch.category, f"modifier:{notch.modifier}", delta,
                                  notch.evidence))
    return reasons


def _notch_order(notch: Notch) -> tuple[int, str, str]:
    return (-notch.notches, notch.category, notch.modifier)


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
        text = event_text_features(headline, body, self.lexicon)
        return combine(text.reasons + source_features(raw, self.weights), text.notches,
                       self.lexicon)

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
