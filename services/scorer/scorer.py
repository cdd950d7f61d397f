"""The scorer the stream and ``brisk score`` share: the pure engine plus story clustering state.

Clustering is the one stateful step: which earlier story, if any, an event repeats. It is kept
in memory, bounded by its time window; after a restart, stories restart too (a repeat of an
older story then scores as new — its alert fingerprint still differs from nothing else).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.scorer.scoring import ScoringEngine, Story
from shared.schemas import RawEvent, ScoredEvent


class Clusterer(Protocol):
    def story(self, event: RawEvent) -> Story: ...


class NoClustering:
    def story(self, event: RawEvent) -> Story:
        return Story()


@dataclass
class Scorer:
    engine: ScoringEngine
    clusterer: Clusterer

    def __call__(self, raw: RawEvent, now: datetime) -> ScoredEvent:
        return self.engine.score(raw, now, self.clusterer.story(raw))
