"""Ingest metrics, per source (feed name): a bounded label set configured by the operator."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass(frozen=True)
class IngestMetrics:
    fetched: Counter
    published: Counter
    duplicates: Counter
    invalid: Counter
    fetch_errors: Counter
    publish_errors: Counter
    fetch_seconds: Histogram
    last_success: Gauge
    ais_sentences: Counter
    task_crashes: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> IngestMetrics:
        return cls(
            fetched=Counter(
                "brisk_ingest_items_fetched_total",
                "Items found in fetched documents",
                ["source"],
                registry=registry,
            ),
            published=Counter(
                "brisk_ingest_events_published_total",
                "RawEvents published to Kafka",
                ["source"],
                registry=registry,
            ),
            duplicates=Counter(
                "brisk_ingest_duplicates_total",
                "Items already published before (re-polled or replayed), not published again",
                ["source"],
                registry=registry,
            ),
            invalid=Counter(
                "brisk_ingest_invalid_total",
                "Documents or items refused and dead-lettered",
                ["source", "stage"],
                registry=registry,
            ),
            fetch_errors=Counter(
                "brisk_ingest_fetch_errors_total",
                "Fetches that failed and will be retried",
                ["source"],
                registry=registry,
            ),
            publish_errors=Counter(
                "brisk_ingest_publish_errors_total",
                "Publishes that failed because the broker or Redis was unavailable, retried",
                ["source"],
                registry=registry,
            ),
            fetch_seconds=Histogram(
                "brisk_ingest_fetch_seconds",
                "Time to fetch one document",
                ["source"],
                registry=registry,
            ),
            last_success=Gauge(
                "brisk_ingest_last_success_timestamp_seconds",
                "Unix time of the last successful fetch: alert on staleness",
                ["source"],
                registry=registry,
            ),
            ais_sentences=Counter(
                "brisk_ingest_ais_sentences_total",
                "AIS NMEA lines by outcome: decoded, ignored, malformed, bad_checksum, "
                "orphan_fragment, undecodable",
                ["source", "outcome"],
                registry=registry,
            ),
            task_crashes=Counter(
                "brisk_ingest_task_crashes_total",
                "Feed tasks that died of an unexpected error and were restarted with backoff",
                ["source"],
                registry=registry,
            ),
        )
