"""Wiring only: settings → clients → one supervised runner per feed (+ the push endpoint) →
readiness checks → run until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from redis.asyncio import Redis

from services.ingest.ais_stream import run_ais_stream
from services.ingest.feed_supervisor import FeedStates, supervise
from services.ingest.feeds_config import enabled_feeds
from services.ingest.formats import build_handler
from services.ingest.handlers import Handled
from services.ingest.metrics import IngestMetrics
from services.ingest.pipeline import IngestOutcome, publish_handled
from services.ingest.publisher import KafkaPublisher
from services.ingest.push_api import PushEndpoint
from services.ingest.readiness import ingest_checks
from services.ingest.runner import Schedule, Sink, record_outcome, run_source
from services.ingest.sanctions.snapshot_store import RedisSnapshotStore
from services.ingest.seen_set import RedisSeenSet
from services.ingest.settings import FeedConfig, IngestSettings
from services.ingest.sources.base import Document, Source
from services.ingest.sources.file_source import FileSource
from services.ingest.sources.gdelt_source import GdeltSource
from services.ingest.sources.http_source import HttpSource
from services.ingest.sources.tcp_source import TcpLineSource
from shared.clock import utc_now
from shared.kafka import ensure_topics, make_producer
from shared.lifecycle import cancel_all, until_shutdown
from shared.logging import configure_logging
from shared.metrics import new_registry
from shared.ops_server import OpsServer

log = logging.getLogger("brisk.ingest")
MAX_NMEA_LINE = 1024
# A Redis command that takes longer than this counts as Redis unavailable (503, backoff).
REDIS_TIMEOUT_SECONDS = 5.0


def build_source(feed: FeedConfig, settings: IngestSettings, http: httpx.AsyncClient) -> Source:
    if feed.format == "gdelt" and feed.is_url:
        return GdeltSource(feed.name, feed.location, http, settings.max_body_bytes, utc_now)
    if feed.is_url:
        return HttpSource(feed.name, feed.location, http, settings.max_body_bytes, utc_now)
    return FileSource(feed.name, Path(feed.location), settings.max_body_bytes, utc_now)


def feed_task(
    feed: FeedConfig, settings: IngestSettings, http: httpx.AsyncClient, sink: Sink,
    metrics: IngestMetrics,
) -> Callable[[], Coroutine[Any, Any, None]]:
    """A fresh run of the feed each call (what the supervisor restarts after a crash)."""
    return lambda: _feed_run(feed, settings, http, sink, metrics)


def _feed_run(
    feed: FeedConfig, settings: IngestSettings, http: httpx.AsyncClient, sink: Sink,
    metrics: IngestMetrics,
) -> Coroutine[Any, Any, None]:
    if feed.is_tcp:
        address = urlsplit(feed.location)
        source = TcpLineSource(feed.name, address.hostname or "", address.port or 0,
                               MAX_NMEA_LINE, utc_now)
        return run_ais_stream(feed.name, feed.location, source.lines(), sink, metrics, utc_now)
    schedule = Schedule(interval=feed.interval_seconds if feed.is_url else None,
                        max_backoff=settings.max_backoff_seconds)
    return run_source(build_source(feed, settings, http), sink, metrics, schedule, utc_now,
                      asyncio.sleep)


async def main() -> None:
    settings = IngestSettings()
    configure_logging("ingest", settings.common.log_level, settings.common.log_format)
    feeds = enabled_feeds(settings)
    registry = new_registry()
    metrics = IngestMetrics.create(registry)

    await ensure_topics(settings.common.kafka_bootstrap)
    redis = Redis.from_url(settings.common.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                           socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
    producer = make_producer(settings.common, client_id="brisk-ingest")
    await producer.start()
    http = httpx.AsyncClient(timeout=settings.http_timeout_seconds, follow_redirects=True)
    publisher = KafkaPublisher(producer, settings.publish_timeout_seconds)
    seen = RedisSeenSet(redis, settings.seen_ttl_seconds, settings.seen_scope)
    snapshots = RedisSnapshotStore(redis)
    max_message_bytes = settings.common.max_message_bytes

    async def accept_push(doc: Document, handled: Handled) -> IngestOutcome:
        outcome = await publish_handled(doc, handled, publisher, seen, utc_now(),
                                        max_message_bytes=max_message_bytes)
        record_outcome(metrics, doc.feed, outcome)
        return outcome

    states = FeedStates()
    checks = ingest_checks(producer.client, redis, states, [f.name for f in feeds],
                           settings.check_timeout_seconds)
    push = PushEndpoint(settings.push_token_hashes, accept_push, utc_now, settings.push_max_bytes)
    ops = OpsServer("ingest", registry, checks, settings.host, settings.port,
                    routes=[("POST", "/v1/ingest", push.handle)],
                    client_max_size=settings.push_max_bytes)
    await ops.start()
    tasks = [
        asyncio.create_task(
            supervise(feed.name,
                      feed_task(feed, settings, http,
                                Sink(build_handler(feed, snapshots), publisher, seen,
                                     max_message_bytes), metrics),
                      states, metrics.task_crashes),
            name=f"feed:{feed.name}")
        for feed in feeds
    ]
    log.info("ingest running", extra={"feeds": [f.name for f in feeds], "port": settings.port,
                                      "push_partners": sorted(settings.push_token_hashes),
                                      "seen_scope": settings.seen_scope})
    try:
        await until_shutdown()
    finally:
        await cancel_all(tasks)
        await ops.stop()
        await http.aclose()
        await producer.stop()
        await redis.aclose()
