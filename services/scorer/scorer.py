"""The scorer the stream and ``brisk score`` share: the pure engine plus story clustering state.

Order per event: enrich (countries and entities) → story → score. A structured event (a
sanctions change, a border crossing's status, an AIS signal, a regulator's document, a GDELT
event's article) is its own story, named by its fields (clustering/story_keys.py): stateless,
the same id in every worker and after a restart. Any other event is clustered by its title
(places and names keep template headlines about different subjects apart): the one stateful
step, kept in memory and bounded by its time window. In the stream, workers share their title
clusters and a restarted worker gets them back through ``brisk.scorer.stories`` (stories.py);
``brisk score`` starts empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from services.scorer.clustering import StoryClusterer, StoryKeys, default_story_keys, story_cluster_id
from services.scorer.scoring import ScoringEngine, Story
from shared.schemas import RawEvent, ScoredEvent


class Clusterer(Protocol):
    def story(self, event: RawEvent, places: Iterable[str]) -> Story: ...


class NoClustering:
    def story(self, event: RawEvent, places: Iterable[str]) -> Story:
        return Story()


@dataclass
class TitleClustering:
    """A structured event's story is named by its fields (``keys``): it never enters title
    clustering, and counts one source, as an authoritative record rather than a report. Any
    other event's story is its near-duplicate headlines within a time window (MinHash over
    title words)."""

    clusterer: StoryClusterer
    keys: StoryKeys = field(default_factory=default_story_keys)

    def story(self, event: RawEvent, places: Iterable[str]) -> Story:
        key = self.keys.key(event)
        if key is not None:
            return Story(cluster_id=story_cluster_id(key))
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
