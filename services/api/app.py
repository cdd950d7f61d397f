"""Wiring only: settings → Redis and Kafka clients → projector + FastAPI app → uvicorn."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from redis.asyncio import Redis

from services.api.country_store import RedisCountryStore
from services.api.main import create_app
from services.api.metrics import ApiMetrics
from services.api.projector import EventProjector
from services.api.settings import ApiSettings
from services.api.store import RedisEventStore
from shared.clock import utc_now
from shared.consume_loop import OUTAGES, run_consumer
from shared.kafka import broker_reachable, ensure_topics, make_consumer, make_producer
from shared.kafka_senders import dead_letter_failures, send_dead_letter
from shared.lifecycle import cancel_all
from shared.logging import configure_logging
from shared.metrics import new_registry
from shared.ops_server import HealthCheck
from shared.readiness import redis_answers, task_running
from shared.topics import COUNTRY_RISK, SCORED_EVENTS
from shared.uvicorn_guards import uvicorn_options

log = logging.getLogger("brisk.api")


def build(settings: ApiSettings) -> FastAPI:
    common = settings.common
    registry = new_registry()
    metrics = ApiMetrics.create(registry)
    redis = Redis.from_url(common.redis_url)
    store = RedisEventStore(redis, settings.events_retained)
    countries = RedisCountryStore(redis)
    # The Kafka clients and the projector exist only inside the event loop (the lifespan).
    producers: list[AIOKafkaProducer] = []
    projectors: list[asyncio.Task[None]] = []

    async def kafka_ready() -> bool:
        return bool(producers) and await broker_reachable(producers[0].client)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await ensure_topics(common.kafka_bootstrap)
        producer = make_producer(common, client_id="brisk-api")
        consumer = make_consumer(common, settings.group_id, [SCORED_EVENTS, COUNTRY_RISK],
                                 client_id="brisk-api")
        projector = EventProjector(store, countries, functools.partial(send_dead_letter, producer),
                                   metrics, utc_now)
        await producer.start()
        await consumer.start()
        producers.append(producer)
        task = asyncio.create_task(run_consumer(
            consumer, projector.handle, transient=OUTAGES,
            on_failure=dead_letter_failures(producer, "api", utc_now)))
        task.add_done_callback(_stop_if_failed)
        projectors.append(task)
        try:
            yield
        finally:
            await cancel_all([task])
            await consumer.stop()
            await producer.stop()
            await redis.aclose()

    checks: dict[str, HealthCheck] = {
        "kafka": kafka_ready,
        "redis": functools.partial(redis_answers, redis),
        "projector": task_running(lambda: projectors[0] if projectors else None),
    }
    return create_app(store, countries, checks, registry, metrics, lifespan)


def _stop_if_failed(task: asyncio.Task[None]) -> None:
    """A dead projector means a stale API: stop the process so it is seen and restarted."""
    if not task.cancelled() and task.exception() is not None:
        log.error("event projector stopped", exc_info=task.exception())
        os.kill(os.getpid(), signal.SIGTERM)


def main() -> None:
    settings = ApiSettings()
    configure_logging("api", settings.common.log_level, settings.common.log_format)
    uvicorn.run(build(settings), host=settings.host, port=settings.port, log_config=None,
                access_log=False, timeout_graceful_shutdown=5, **uvicorn_options(settings.http))
