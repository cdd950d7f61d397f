"""Wiring only: settings → Kafka, Redis, HTTP clients → the alert pipeline → run until SIGTERM."""

from __future__ import annotations

import asyncio
import functools
import logging
import random

import httpx
from redis.asyncio import Redis

from services.alerts.metrics import AlertsMetrics
from services.alerts.notifiers.webhook import WebhookNotifier
from services.alerts.pipeline import AlertPipeline
from services.alerts.retry import RetryPolicy
from services.alerts.sent_log import RedisSentLog
from services.alerts.settings import AlertsSettings
from services.alerts.signer import decode_secret
from shared.clock import utc_now
from shared.consume_loop import OUTAGES, run_consumer
from shared.kafka import broker_reachable, ensure_topics, make_consumer, make_producer
from shared.kafka_senders import dead_letter_failures, send_contract, send_dead_letter
from shared.lifecycle import cancel_all, until_shutdown
from shared.logging import configure_logging
from shared.metrics import new_registry
from shared.ops_server import HealthCheck, OpsServer
from shared.readiness import redis_answers, task_running
from shared.schemas import Alert
from shared.topics import ALERTS, SCORED_EVENTS

log = logging.getLogger("brisk.alerts")


async def main() -> None:
    settings = AlertsSettings()
    common = settings.common
    configure_logging("alerts", common.log_level, common.log_format)
    registry = new_registry()
    metrics = AlertsMetrics.create(registry)

    await ensure_topics(common.kafka_bootstrap)
    redis = Redis.from_url(common.redis_url)
    producer = make_producer(common, client_id="brisk-alerts")
    consumer = make_consumer(common, settings.group_id, [SCORED_EVENTS], client_id="brisk-alerts")
    http = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False)
    notifier = None
    if settings.webhook_url and settings.webhook_secret:
        notifier = WebhookNotifier(
            settings.webhook_url,
            decode_secret(settings.webhook_secret.get_secret_value()),
            http,
            utc_now,
            settings.allow_private_targets,
        )

    async def publish_alert(alert: Alert) -> None:
        await send_contract(producer, ALERTS, alert.fingerprint, alert)

    pipeline = AlertPipeline(
        threshold=settings.severity_threshold,
        notifier=notifier,
        sent_log=RedisSentLog(redis, settings.dedup_ttl_seconds),
        publish_alert=publish_alert,
        publish_dead_letter=functools.partial(send_dead_letter, producer),
        policy=RetryPolicy(settings.max_attempts, settings.base_backoff_seconds,
                           settings.max_backoff_seconds),
        metrics=metrics,
        clock=utc_now,
        sleep=asyncio.sleep,
        draw=random.random,
    )

    loops: list[asyncio.Task[None]] = []
    checks: dict[str, HealthCheck] = {
        "kafka": functools.partial(broker_reachable, producer.client),
        "redis": functools.partial(redis_answers, redis),
        "consumer": task_running(lambda: loops[0] if loops else None),
    }
    ops = OpsServer("alerts", registry, checks, settings.host, settings.port, limits=settings.http)
    await producer.start()
    await consumer.start()
    await ops.start()
    loop = asyncio.create_task(
        run_consumer(consumer, pipeline.handle, transient=OUTAGES,
                     on_failure=dead_letter_failures(producer, "alerts", utc_now))
    )
    loops.append(loop)
    log.info("alerts running", extra={"port": settings.port, "webhook": bool(notifier),
                                      "threshold": settings.severity_threshold})
    try:
        await until_shutdown(watch=[loop])
    finally:
        await cancel_all([loop])
        await ops.stop()
        await consumer.stop()
        await producer.stop()
        await http.aclose()
        await redis.aclose()
