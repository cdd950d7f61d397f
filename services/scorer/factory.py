"""Build the scorer from its data files: one place, so the stream and the CLI score alike."""

from __future__ import annotations

from pathlib import Path

from services.scorer.clustering import StoryClusterer
from services.scorer.enrich import load_bri_gazetteer, load_country_gazetteer, resolve_countries
from services.scorer.features.source_features import DEFAULT_SOURCE_FEATURES, SourceWeights
from services.scorer.lexicon import Lexicon, load_lexicon
from services.scorer.scorer import Scorer, TitleClustering
from services.scorer.scoring import Enrichment, ScoringEngine, scoring_text
from shared.schemas import RawEvent


def is_slug_title(raw: RawEvent) -> bool:
    """GDELT items carry URL-slug text: lower case, so names are matched case-insensitively."""
    return raw.source.lower().startswith("gdelt") or "gdelt_event_code" in raw.fields


def build_scorer(
    lexicon: Lexicon | None = None, source_features_path: Path = DEFAULT_SOURCE_FEATURES,
    clusterer: StoryClusterer | None = None,
) -> Scorer:
    """``lexicon``: a loaded lexicon (the caller has validated its file once), else the
    shipped one."""
    countries = load_country_gazetteer()
    bri = load_bri_gazetteer()

    def enrich(raw: RawEvent) -> Enrichment:
        geo = raw.fields.get("action_geo_country") or raw.fields.get("port_country")
        headline, body = scoring_text(raw)
        found = resolve_countries(
            headline, body, slug_title=is_slug_title(raw),
            action_geo_country=geo if isinstance(geo, str) else None, url=raw.url,
            source_kind=raw.source, gazetteer=countries, bri=bri,
        )
        return Enrichment(found.countries, found.entities, found.from_geo)

    engine = ScoringEngine(lexicon or load_lexicon(), SourceWeights.load(source_features_path),
                           enrich)
    return Scorer(engine, TitleClustering(clusterer or StoryClusterer()))
