"""Score invented headlines with the shipped lexicon and source weights, no enrichment: what
the lexicon tests read scores, categories and levels from."""

from __future__ import annotations

from datetime import UTC, datetime

from services.scorer.features.source_features import SourceWeights
from services.scorer.lexicon import load_lexicon
from services.scorer.scoring import Enrichment, ScoringEngine, severity_level
from shared.schemas import ScoredEvent
from tests.strategies import sample_raw

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LEXICON = load_lexicon()
ENGINE = ScoringEngine(LEXICON, SourceWeights.load(), lambda raw: Enrichment())


def score(title: str) -> ScoredEvent:
    return ENGINE.score(sample_raw(title=title, summary="", kind="news", fields={}), NOW)


def level(event: ScoredEvent) -> int:
    return severity_level(event.severity, event.category, LEXICON)
