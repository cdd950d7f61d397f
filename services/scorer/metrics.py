"""Scorer metrics."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass(frozen=True)
class ScorerMetrics:
    scored: Counter
    invalid: Counter
    severity: Histogram
    score_seconds: Histogram
    send_failures: Counter
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
            stories_adopted=Counter(
                "brisk_scorer_stories_adopted_total",
                "Story-cluster notes taken from other workers while running (not those read at start)",
                registry=registry,
            ),
        )
