"""Wiring only: settings → PostgreSQL, Valkey, Kafka, HTTP → intake, flusher, delivery
dispatcher, reloader, outbox stats → run until SIGTERM."""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Sequence
from datetime import timedelta

from redis.asyncio import Redis

from services.alerts.default_tenant import DEFAULT_TENANT, default_config
from services.alerts.delivery.dispatcher import Dispatcher
from services.alerts.delivery.locks import EndpointLocks
from services.alerts.delivery.stats import run_stats
from services.alerts.delivery.worker import EndpointWorker
from services.alerts.flusher import Flusher, run_flusher
from services.alerts.index_history import RedisIndexHistory
from services.alerts.intake import AlertIntake
from services.alerts.metrics import AlertsMetrics
from services.alerts.notifiers.webhook import WebhookNotifier
from services.alerts.reloader import ensure_tenant_config, run_reloader
from services.alerts.settings import AlertsSettings
from services.alerts.tenant_cache import TenantCache
from services.alerts.webhook_client import webhook_session
from shared.clock import utc_now
from shared.consume_loop import OUTAGES, run_batch_consumer
from shared.db.pool import open_pool
from shared.kafka import broker_reachable, ensure_topics, make_consumer, make_producer
from shared.kafka_senders import dead_letter_failures, send_contracts, send_dead_letter
from shared.lifecycle import cancel_all, until_shutdown
from shared.logging import configure_logging
from shared.metrics import new_registry
from shared.ops_server import HealthCheck, OpsServer
from shared.readiness import postgres_answers, redis_answers, task_running
from shared.schemas import AlertChange
from shared.topics import ALERTS, COUNTRY_RISK, SCORED_EVENTS

log = logging.getLogger("brisk.alerts")


async def main() -> None:
    settings = AlertsSettings()
    common = settings.common
    configure_logging("alerts", common.log_level, common.log_format)
    registry = new_registry()
    metrics = AlertsMetrics.create(registry)

    await ensure_topics(common.kafka_bootstrap)
    pool = await open_pool(common.postgres_url, max_size=settings.max_concurrent_flushes + 16)
    await ensure_tenant_config(pool, DEFAULT_TENANT, default_config(settings), utc_now())
    tenants = TenantCache()
    async with pool.connection() as conn:
        await tenants.refresh(conn, utc_now())
    redis = Redis.from_url(common.redis_url)
    producer = make_producer(common, client_id="brisk-alerts")
    consumer = make_consumer(common, settings.group_id, [SCORED_EVENTS, COUNTRY_RISK],
                             client_id="brisk-alerts")
    http = webhook_session(settings.private_targets(), settings.webhook_timeout_seconds)

    async def publish(changes: Sequence[AlertChange]) -> None:
        await send_contracts(producer, ALERTS,
                             [(f"{change.tenant}/{change.alert_id}", change) for change in changes])

    worker = EndpointWorker(
        pool=pool, tenants=tenants,
        notifier=WebhookNotifier(http, utc_now, settings.response_excerpt_bytes),
        schedule=settings.schedule(), policy=settings.circuit_policy(), metrics=metrics,
        clock=utc_now, draw=random.random, batch=settings.delivery_batch)
    dispatcher = Dispatcher(pool=pool, worker=worker,
                            connect_locks=functools.partial(EndpointLocks.connect, common.postgres_url),
                            clock=utc_now, poll=settings.delivery_poll_seconds,
                            max_workers=settings.max_endpoint_workers)
    flusher = Flusher(
        pool=pool, tenants=tenants, publish=publish, metrics=metrics, clock=utc_now,
        external_url=settings.external_url, lease=timedelta(seconds=settings.flush_lease_seconds),
        queued=dispatcher.wake, concurrency=settings.max_concurrent_flushes)
    intake = AlertIntake(pool=pool, tenants=tenants, index_history=RedisIndexHistory(redis),
                         publish=publish, publish_dead_letter=functools.partial(send_dead_letter,
                                                                                producer),
                         metrics=metrics, clock=utc_now, wake=flusher.wake)
    loops: list[asyncio.Task[None]] = []
    checks: dict[str, HealthCheck] = {
        "kafka": functools.partial(broker_reachable, producer.client),
        "redis": functools.partial(redis_answers, redis),
        "postgres": functools.partial(postgres_answers, pool),
        "consumer": task_running(lambda: loops[0] if loops else None),
    }
    ops = OpsServer("alerts", registry, checks, settings.host, settings.port, limits=settings.http)
    await producer.start()
    await consumer.start()
    await ops.start()
    loops.append(asyncio.create_task(
        run_batch_consumer(consumer, intake.handle_batch, transient=OUTAGES,
                           on_failure=dead_letter_failures(producer, "alerts", utc_now))))
    loops.append(asyncio.create_task(run_flusher(flusher, settings.tick_seconds)))
    loops.append(asyncio.create_task(dispatcher.run()))
    loops.append(asyncio.create_task(run_stats(pool, metrics, utc_now, settings.stats_seconds)))
    loops.append(asyncio.create_task(run_reloader(pool, tenants, metrics, utc_now,
                                                  settings.reload_seconds)))
    log.info("alerts running", extra={"port": settings.port, "tenants": len(tenants.all())})
    try:
        await until_shutdown(watch=loops)
    finally:
        await cancel_all(loops)
        await ops.stop()
        await consumer.stop()
        await producer.stop()
        await http.close()
        await redis.aclose()
        await pool.close()
