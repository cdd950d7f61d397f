"""Drives one source: fetch, ingest, wait, with backoff on failure. Never raises on bad input.

Only transient failures (``failures.is_transient``: a fetch, the broker or Redis unavailable)
are retried; bad input was dead-lettered once by the pipeline. Anything else raises out of
``run_source`` for ``feed_supervisor`` to log, count and restart.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.ingest.failures import is_transient
from services.ingest.handlers import Handler
from services.ingest.metrics import IngestMetrics
from services.ingest.pipeline import SERVICE, SIZE_STAGE, IngestOutcome, ingest_document
from services.ingest.publisher import Publisher
from services.ingest.seen_set import SeenSet
from services.ingest.sources.base import FetchError, OversizedDocument, Source
from shared.backoff import backoff_delay
from shared.clock import Clock
from shared.dlq import dead_letter

log = logging.getLogger(__name__)

# A replayed file that cannot be read is tried this many times before the source gives up.
FILE_ATTEMPTS = 3


@dataclass(frozen=True)
class Schedule:
    """``interval`` None means one successful pass (a file replay); otherwise poll forever."""

    interval: float | None
    base_backoff: float = 1.0
    max_backoff: float = 900.0


@dataclass(frozen=True)
class Sink:
    """Where a source's documents go: its format's handler, the publisher, the seen-set, and
    the largest event the topic takes (``BRISK_MAX_MESSAGE_BYTES``)."""

    handler: Handler
    publisher: Publisher
    seen: SeenSet
    max_message_bytes: int


async def run_source(
    source: Source,
    sink: Sink,
    metrics: IngestMetrics,
    schedule: Schedule,
    clock: Clock,
    sleep: Callable[[float], Awaitable[None]],
    draw: Callable[[], float] = random.random,
) -> None:
    failures = 0
    name = source.name
    while True:
        try:
            await _one_pass(source, sink, metrics, clock)
        except Exception as exc:
            if not is_transient(exc):
                raise
            failures += 1
            fetching = isinstance(exc, FetchError)
            (metrics.fetch_errors if fetching else metrics.publish_errors).labels(name).inc()
            # An unreadable file will not heal; a broker outage will, so a replay waits for it.
            if schedule.interval is None and fetching and failures >= FILE_ATTEMPTS:
                log.error("giving up on source", extra={"feed": name, "error": str(exc)})
                return
            delay = backoff_delay(failures, schedule.base_backoff, schedule.max_backoff, draw)
            log.warning("fetch failed, backing off" if fetching else
                        "broker or Redis unavailable, backing off",
                        extra={"feed": name, "error": str(exc), "retry_in_s": round(delay, 2)})
            await sleep(delay)
            continue
        failures = 0
        metrics.last_success.labels(name).set(clock().timestamp())
        if schedule.interval is None:
            return
        await sleep(schedule.interval)


async def _one_pass(source: Source, sink: Sink, metrics: IngestMetrics, clock: Clock) -> None:
    """Fetch once and publish the outcome; raises only for transient failures."""
    name = source.name
    started = time.perf_counter()
    try:
        doc = await source.fetch()
    except OversizedDocument as exc:
        metrics.invalid.labels(name, SIZE_STAGE).inc()
        log.warning("refused oversized document", extra={"feed": name, "limit": exc.limit})
        # Only the first ``limit`` bytes are kept: a dead letter must itself fit on the topic.
        letter = dead_letter(service=SERVICE, stage=SIZE_STAGE, source=name,
                             payload=exc.head, reason=str(exc), now=clock())
        await sink.publisher.publish([], [letter])
        return
    finally:
        metrics.fetch_seconds.labels(name).observe(time.perf_counter() - started)
    if doc is None:
        return
    outcome = await ingest_document(doc, sink.handler, sink.publisher, sink.seen, clock(),
                                    max_message_bytes=sink.max_message_bytes)
    record_outcome(metrics, name, outcome)


def record_outcome(metrics: IngestMetrics, name: str, outcome: IngestOutcome) -> None:
    metrics.fetched.labels(name).inc(outcome.fetched)
    metrics.published.labels(name).inc(outcome.published)
    metrics.duplicates.labels(name).inc(outcome.duplicates)
    if outcome.invalid_items:
        metrics.invalid.labels(name, "parse_item").inc(outcome.invalid_items)
    if outcome.oversized:
        metrics.invalid.labels(name, SIZE_STAGE).inc(outcome.oversized)
    if outcome.refused_document:
        metrics.invalid.labels(name, outcome.refused_document).inc()
    log.info("ingested", extra={"feed": name, "published": outcome.published,
                                "duplicates": outcome.duplicates,
                                "invalid": outcome.invalid_items,
                                "oversized": outcome.oversized})
