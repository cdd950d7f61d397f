"""Scorer metrics."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram

from shared.schemas import DeadLetter

if TYPE_CHECKING:
    from services.scorer.batch import BatchResult

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScorerMetrics:
    scored: Counter
    invalid: Counter
    dead_letters: Counter
    oversized: Counter
    severity: Histogram
    score_seconds: Histogram
    send_failures: Counter
    batch_retries: Counter
    batch_failures: Counter
    stories_adopted: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> ScorerMetrics:
        return cls(
            scored=Counter(
                "brisk_scorer_events_scored_total",
                "Events scored, by dominant category (none below the alert threshold)",
                ["category"],
                registry=registry,
            ),
            invalid=Counter(
                "brisk_scorer_invalid_total",
                "Messages that failed validation and were dead-lettered",
                registry=registry,
            ),
            dead_letters=Counter(
                "brisk_scorer_dead_letters_total",
                "Events dead-lettered, by stage (decode_<topic>, score, size_limit)",
                ["stage"],
                registry=registry,
            ),
            oversized=Counter(
                "brisk_scorer_oversized_total",
                "Records over BRISK_MAX_MESSAGE_BYTES, dead-lettered instead of sent",
                registry=registry,
            ),
            severity=Histogram(
                "brisk_scorer_event_severity",
                "Severity of scored events (0-100)",
                buckets=(10, 20, 30, 40, 50, 60, 70, 80, 90, 100),
                registry=registry,
            ),
            score_seconds=Histogram(
                "brisk_scorer_score_seconds",
                "Time to decode and score one event",
                buckets=(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1),
                registry=registry,
            ),
            send_failures=Counter(
                "brisk_scorer_send_failures_total",
                "Records (scored events, dead letters, country events, stories) not delivered",
                registry=registry,
            ),
            batch_retries=Counter(
                "brisk_scorer_batch_retries_total",
                "Scoring batches that failed as a whole and were tried again",
                registry=registry,
            ),
            batch_failures=Counter(
                "brisk_scorer_batch_failures_total",
                "Batches given up on (or whose output was not delivered): the worker stopped",
                registry=registry,
            ),
            stories_adopted=Counter(
                "brisk_scorer_stories_adopted_total",
                "Story-cluster notes taken from other workers while running (not those read at start)",
                registry=registry,
            ),
        )

    def observe(self, result: BatchResult) -> None:
        """Count a batch's outcomes; log each dead letter with its reason."""
        for outcome, seconds in zip(result.outcomes, result.seconds, strict=True):
            self.score_seconds.observe(seconds)
            if isinstance(outcome, DeadLetter):
                self.dead_letters.labels(outcome.stage).inc()
                if outcome.stage.startswith("decode_"):
                    self.invalid.inc()
                log.warning("scorer: event dead-lettered at %s: %s", outcome.stage,
                            outcome.reason, extra={"partition": outcome.partition,
                                                   "offset": outcome.offset})
            else:
                self.scored.labels(outcome.category).inc()
                self.severity.observe(outcome.severity)
        self.oversized.inc(result.oversized)
