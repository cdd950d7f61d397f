"""Wiring only: settings → the scorer and its data → the Faust app, its two agents and pages.

Agents: ``score_events`` scores raw events in batches (``take_events``: no table writes there)
and sends each ScoredEvent on, then one ``batch`` CountryEvent per country the batch is about;
``country_index`` (services/scorer/index) keeps the per-country index in a changelog-backed
table. A task follows ``brisk.scorer.stories``, so workers share story clusters (stories.py).

Faust settings are chosen for Tansu (see docs/architecture.md): a 6 s session timeout so a
group join takes ~3 s, the in-memory table store (rocksdb crashes on Tansu on restart; tables
recover from their changelog), at-least-once (no transactions), and 10 ms producer linger.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import faust
from faust.web import Request, Response, View

from services.scorer import tansu_offsets
from services.scorer.clustering import StoryClusterer
from services.scorer.factory import build_scorer
from services.scorer.index.faust_index import register_country_index
from services.scorer.index.structural import load_baselines
from services.scorer.metrics import ScorerMetrics
from services.scorer.partitioner import KeyPartitioner
from services.scorer.process import Origin, process_raw
from services.scorer.publish import Publisher, producer_publisher
from services.scorer.settings import ScorerSettings
from services.scorer.stories import StoryFollower, batch_record
from shared.clock import utc_now
from shared.metrics import new_registry, render
from shared.schemas import DeadLetter, ScoredEvent
from shared.schemas.country_event import CountryEvent, CountryEventItem
from shared.topics import (
    COUNTRY_RISK,
    DEAD_LETTER,
    RAW_EVENTS,
    SCORED_EVENTS,
    SCORER_COUNTRY_EVENTS,
    SCORER_STORIES,
)

log = logging.getLogger(__name__)


def country_batches(scored: list[ScoredEvent]) -> list[CountryEvent]:
    """One ``batch`` record per country for a scoring batch, carrying each risk event's share.

    Timed by when brisk scored the event: the index is the risk picture as brisk learns of
    events (a replay of old news counts as new). Events below the category threshold carry no
    risk signal and are left out.
    """
    items: dict[str, list[CountryEventItem]] = {}
    for event in scored:
        if event.category == "none":
            continue
        for country in event.countries:
            items.setdefault(country, []).append(CountryEventItem(
                scores=event.scores, severity=event.severity, at=event.scored_at,
                event_id=event.id))
    return [CountryEvent(kind="batch", country=country, at=max(i.at for i in shares),
                         items=shares) for country, shares in items.items()]


def create_app(
    settings: ScorerSettings, publisher: Publisher | None = None,
    clusterer: StoryClusterer | None = None, stories_from: int = 0,
) -> faust.App:
    """``publisher``: where scored events, dead letters, country events and stories go (default:
    the app's producer). ``clusterer``: story clusters already read from
    ``brisk.scorer.stories`` up to offset ``stories_from`` (``stories.catch_up``)."""
    tansu_offsets.install()
    clusterer = clusterer or StoryClusterer()
    score = build_scorer(settings.lexicon_path, clusterer=clusterer)
    registry = new_registry()
    metrics = ScorerMetrics.create(registry)
    worker = uuid.uuid4().hex[:16]  # this run's name on brisk.scorer.stories
    if settings.share_stories:
        clusterer.journal = []
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
        producer_partitioner=KeyPartitioner(),
        consumer_auto_offset_reset="earliest",
        topic_partitions=RAW_EVENTS.partitions,
        web_host=settings.host,
        web_bind=settings.host,
        web_port=settings.port,
        web_in_thread=False,
    )

    def raw_topic(name: str, partitions: int | None = None) -> Any:
        return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw",
                         value_serializer="raw", partitions=partitions)

    raw_events = raw_topic(RAW_EVENTS.name)
    publish = publisher or producer_publisher(app, metrics.send_failures)
    country_topic = raw_topic(SCORER_COUNTRY_EVENTS.name, SCORER_COUNTRY_EVENTS.partitions)
    risk_topic = raw_topic(COUNTRY_RISK.name)

    @app.agent(raw_events, name="score_events")
    async def score_events(stream: Any) -> Any:
        """Score raw events in batches; what fails validation goes to the dead-letter topic.

        Yields once per batch, its outcomes in order: a yield per event would cost Faust's
        reply and sink handling per event."""
        async for events in stream.take_events(settings.batch_size,
                                               within=settings.batch_seconds):
            outcomes: list[ScoredEvent | DeadLetter] = []
            scored: list[ScoredEvent] = []
            for event in events:
                started = time.perf_counter()
                message = event.message
                outcome = process_raw(event.value, score, utc_now(),
                                      Origin(message.partition, message.offset))
                metrics.score_seconds.observe(time.perf_counter() - started)
                if isinstance(outcome, DeadLetter):
                    metrics.invalid.inc()
                    await publish(DEAD_LETTER.name, event.key, outcome.to_bytes())
                else:
                    metrics.scored.labels(outcome.category).inc()
                    metrics.severity.observe(outcome.severity)
                    await publish(SCORED_EVENTS.name, outcome.id.encode(), outcome.to_bytes())
                    scored.append(outcome)
                outcomes.append(outcome)
            for batch in country_batches(scored):
                await publish(SCORER_COUNTRY_EVENTS.name, batch.country.encode(), batch.to_bytes())
            if clusterer.journal:
                await publish(SCORER_STORIES.name, worker.encode(),
                              batch_record(worker, clusterer.journal))
                clusterer.journal.clear()
            yield outcomes

    if settings.share_stories:
        follower = StoryFollower(common.kafka_bootstrap, worker, clusterer, metrics.stories_adopted,
                                 stories_from)

        @app.task
        async def follow_stories() -> None:
            await follower.run()

    register_country_index(app, country_topic, risk_topic, load_baselines(), clock=utc_now,
                           refresh_seconds=settings.index_refresh_seconds)

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
