"""Wiring only: settings → clients → one runner per feed → run until SIGTERM."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx

from services.ingest.metrics import IngestMetrics
from services.ingest.publisher import KafkaPublisher
from services.ingest.runner import Schedule, run_source
from services.ingest.settings import FeedConfig, IngestSettings
from services.ingest.sources.base import Source
from services.ingest.sources.file_source import FileSource
from services.ingest.sources.http_source import HttpSource
from shared.clock import utc_now
from shared.kafka import ensure_topics, make_producer
from shared.lifecycle import cancel_all, until_shutdown
from shared.logging import configure_logging
from shared.metrics import new_registry
from shared.ops_server import OpsServer

log = logging.getLogger("brisk.ingest")


def build_source(feed: FeedConfig, settings: IngestSettings, http: httpx.AsyncClient) -> Source:
    if feed.is_url:
        return HttpSource(feed.name, feed.location, http, settings.max_body_bytes, utc_now)
    return FileSource(feed.name, Path(feed.location), settings.max_body_bytes, utc_now)


async def main() -> None:
    settings = IngestSettings()
    configure_logging("ingest", settings.common.log_level, settings.common.log_format)
    registry = new_registry()
    metrics = IngestMetrics.create(registry)

    await ensure_topics(settings.common.kafka_bootstrap)
    producer = make_producer(settings.common, client_id="brisk-ingest")
    await producer.start()
    http = httpx.AsyncClient(timeout=settings.http_timeout_seconds, follow_redirects=True)
    publisher = KafkaPublisher(producer)

    async def kafka_ready() -> bool:
        return bool(producer.client.cluster.brokers())

    ops = OpsServer("ingest", registry, {"kafka": kafka_ready}, settings.host, settings.port)
    await ops.start()
    tasks = [
        asyncio.create_task(
            run_source(
                build_source(feed, settings, http),
                publisher,
                metrics,
                Schedule(
                    interval=feed.interval_seconds if feed.is_url else None,
                    max_backoff=settings.max_backoff_seconds,
                ),
                utc_now,
                asyncio.sleep,
            ),
            name=f"feed:{feed.name}",
        )
        for feed in settings.feeds
    ]
    log.info("ingest running", extra={"feeds": [f.name for f in settings.feeds],
                                      "port": settings.port})
    try:
        await until_shutdown()
    finally:
        await cancel_all(tasks)
        await ops.stop()
        await http.aclose()
        await producer.stop()
