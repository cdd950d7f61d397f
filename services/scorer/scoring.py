"""RawEvent → ScoredEvent: pure, deterministic given the lexicon, the gazetteer and ``now``.

Each category's score is the sum of the weights of the distinct features that fired, capped at 100;
``severity`` is the highest category score; every point is listed in ``explanations``.
"""

from __future__ import annotations

from datetime import datetime

from services.scorer.countries import Gazetteer
from services.scorer.lexicon import Lexicon
from shared.schemas import Entity, Explanation, RawEvent, RiskScores, ScoredEvent

# One source, no corroboration yet: the clustering issue raises this with independent reports.
SINGLE_SOURCE_CONFIDENCE = 0.5


def find_features(text: str, lexicon: Lexicon) -> list[Explanation]:
    fired: list[Explanation] = []
    for feature in lexicon.features:
        for match in feature.pattern.finditer(text):
            if _negated(text, match.start(), lexicon):
                continue
            fired.append(
                Explanation(
                    category=feature.category,
                    feature=feature.name,
                    weight=feature.weight,
                    evidence=match.group(0),
                )
            )
            break  # a feature counts once per event, with its first non-negated evidence
    return fired


def _negated(text: str, start: int, lexicon: Lexicon) -> bool:
    window = " ".join(text[:start].split()[-lexicon.negation_window :])
    return bool(lexicon.negation.search(window + " ")) if window else False


def score_event(
    raw: RawEvent, lexicon: Lexicon, gazetteer: Gazetteer, now: datetime
) -> ScoredEvent:
    text = f"{raw.title}. {raw.summary}"
    explanations = find_features(text, lexicon)
    totals = {"regulatory": 0.0, "political": 0.0, "supply_chain": 0.0}
    for explanation in explanations:
        totals[explanation.category] += explanation.weight
    scores = RiskScores(**{k: min(100.0, v) for k, v in totals.items()})
    category, severity = scores.dominant()
    countries = gazetteer.find(text)
    return ScoredEvent.from_raw(
        raw,
        countries=[iso3 for iso3, _ in countries],
        entities=[Entity(kind="country", name=name, ref=iso3) for iso3, name in countries],
        scores=scores,
        severity=severity,
        confidence=SINGLE_SOURCE_CONFIDENCE,
        category=category if severity >= lexicon.alert_threshold else "none",
        explanations=explanations,
        scored_at=now,
        scorer_version=lexicon.version,
    )
