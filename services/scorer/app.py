"""Wiring only: settings → lexicon and gazetteer → the Faust app and its agent.

Faust settings are chosen for Tansu (see docs/architecture.md): a 6 s session timeout so a
group join takes ~3 s, the in-memory table store (rocksdb crashes on Tansu on restart; tables
recover from their changelog), at-least-once (no transactions), and 10 ms producer linger.
"""

from __future__ import annotations

import time
from typing import Any

import faust
from faust.web import Request, Response, View

from services.scorer.factory import build_scorer
from services.scorer.metrics import ScorerMetrics
from services.scorer.process import Origin, process_raw
from services.scorer.settings import ScorerSettings
from shared.clock import utc_now
from shared.metrics import new_registry, render
from shared.schemas import DeadLetter
from shared.topics import DEAD_LETTER, RAW_EVENTS, SCORED_EVENTS


def create_app(settings: ScorerSettings) -> faust.App:
    score = build_scorer(settings.lexicon_path)
    registry = new_registry()
    metrics = ScorerMetrics.create(registry)

    common = settings.common
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{hostport}" for hostport in common.kafka_bootstrap.split(",")],
        store="memory://",
        datadir=str(settings.data_dir),
        processing_guarantee="at_least_once",
        broker_session_timeout=common.kafka_session_timeout_ms / 1000,
        broker_heartbeat_interval=common.kafka_heartbeat_interval_ms / 1000,
        producer_linger_ms=common.kafka_linger_ms,
        producer_max_batch_size=common.kafka_max_batch_bytes,
        consumer_auto_offset_reset="earliest",
        topic_partitions=RAW_EVENTS.partitions,
        web_host=settings.host,
        web_bind=settings.host,
        web_port=settings.port,
        web_in_thread=False,
    )
    raw_topic = app.topic(RAW_EVENTS.name, key_type=bytes, value_type=bytes,
                          key_serializer="raw", value_serializer="raw")
    scored_topic = app.topic(SCORED_EVENTS.name, key_serializer="raw", value_serializer="raw")
    dead_letter_topic = app.topic(DEAD_LETTER.name, key_serializer="raw", value_serializer="raw")

    @app.agent(raw_topic, name="score_events")
    async def score_events(stream: Any) -> Any:
        """Score every raw event; a message that fails validation goes to the dead-letter topic."""
        async for event in stream.events():
            started = time.perf_counter()
            message = event.message
            outcome = process_raw(
                event.value, score, utc_now(), Origin(message.partition, message.offset)
            )
            metrics.score_seconds.observe(time.perf_counter() - started)
            if isinstance(outcome, DeadLetter):
                metrics.invalid.inc()
                await dead_letter_topic.send(key=event.key, value=outcome.to_bytes())
            else:
                metrics.scored.labels(outcome.category).inc()
                metrics.severity.observe(outcome.severity)
                await scored_topic.send(key=outcome.id.encode(), value=outcome.to_bytes())
            yield outcome

    @app.page("/health")
    class Health(View):
        async def get(self, request: Request) -> Response:
            assigned = bool(app.consumer.assignment()) if app.consumer else False
            ready = assigned and not app.rebalancing
            body = {"status": "ok" if ready else "starting", "service": "scorer",
                    "checks": {"kafka_assignment": assigned, "rebalancing": app.rebalancing}}
            return self.json(body, status=200 if ready else 503)

    @app.page("/metrics")
    class Metrics(View):
        async def get(self, request: Request) -> Response:
            payload, content_type = render(registry)
            # aiohttp refuses a charset inside content_type=, so it goes in as a header.
            return self.bytes(payload, headers={"Content-Type": content_type})

    return app
