"""The scorer the stream and ``brisk score`` share: the pure engine plus story clustering state.

Order per event: enrich (countries and entities) → cluster (places keep template headlines about
different countries apart) → score. Clustering is the one stateful step, kept in memory and
bounded by its time window. In the stream, workers share their clusters and a restarted worker
gets them back through ``brisk.scorer.stories`` (stories.py); ``brisk score`` starts empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.scorer.clustering import StoryClusterer
from services.scorer.scoring import ScoringEngine, Story
from shared.schemas import RawEvent, ScoredEvent


class Clusterer(Protocol):
    def story(self, event: RawEvent, places: Iterable[str]) -> Story: ...


class NoClustering:
    def story(self, event: RawEvent, places: Iterable[str]) -> Story:
        return Story()


@dataclass
class TitleClustering:
    """Near-duplicate headlines within a time window are one story (MinHash over title words)."""

    clusterer: StoryClusterer

    def story(self, event: RawEvent, places: Iterable[str]) -> Story:
        assigned = self.clusterer.assign(event.id, event.title, event.source, event.published_at,
                                         places=places)
        return Story(cluster_id=assigned.cluster_id, sources=assigned.sources)


@dataclass
class Scorer:
    engine: ScoringEngine
    clusterer: Clusterer

    def __call__(self, raw: RawEvent, now: datetime) -> ScoredEvent:
        enrichment = self.engine.enrich(raw)
        story = self.clusterer.story(raw, enrichment.countries)
        return self.engine.score(raw, now, story, enrichment)
