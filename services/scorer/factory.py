"""Build the scorer from its data files: one place, so the stream and the CLI score alike."""

from __future__ import annotations

from pathlib import Path

from services.scorer.countries import load_gazetteer
from services.scorer.features.source_features import DEFAULT_SOURCE_FEATURES, SourceWeights
from services.scorer.lexicon import DEFAULT_LEXICON, load_lexicon
from services.scorer.scorer import NoClustering, Scorer
from services.scorer.scoring import Enrichment, ScoringEngine
from shared.schemas import Entity, RawEvent


def build_scorer(
    lexicon_path: Path = DEFAULT_LEXICON, source_features_path: Path = DEFAULT_SOURCE_FEATURES
) -> Scorer:
    gazetteer = load_gazetteer()

    def enrich(raw: RawEvent) -> Enrichment:
        found = gazetteer.find(f"{raw.title}. {raw.summary}")
        return Enrichment([iso3 for iso3, _ in found],
                          [Entity(kind="country", name=name, ref=iso3) for iso3, name in found])

    engine = ScoringEngine(load_lexicon(lexicon_path), SourceWeights.load(source_features_path),
                           enrich)
    return Scorer(engine, NoClustering())
