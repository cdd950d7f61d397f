"""Wiring only: settings → the scorer and its data → the Faust app, its two agents and pages.

Agents: ``score_events`` scores raw events in batches (services/scorer/score_loop.py, around
the pure services/scorer/batch.py) and sends on what each produced — a ScoredEvent or a dead
letter per event, then ``batch`` CountryEvents and story notes; ``country_index``
(services/scorer/index) keeps the per-country index in a changelog-backed table. A task follows
``brisk.scorer.stories``, so workers share story clusters (stories.py). A batch's events are
acknowledged only once its records were delivered (delivery.py); a batch that fails anyway is
tried again, then the worker stops without acknowledging it, so it is read again when the worker
starts.

Faust settings are chosen for Tansu (see docs/architecture.md): a 6 s session timeout so a
group join takes ~3 s, the in-memory table store (rocksdb crashes on Tansu on restart; tables
recover from their changelog), at-least-once (no transactions), and 10 ms producer linger. Its
producer and consumer take the one message-size limit (``BRISK_MAX_MESSAGE_BYTES``). Three
fixes are installed into Faust first: tansu_offsets.py (table recovery's end offsets),
faust_consumer_fixes.py (records skipped and repeated after a rebalance) and lost_changelog.py
(a broker that restarted empty).
"""

from __future__ import annotations

import uuid
from typing import Any

import faust
from faust.web import Request, Response, View

from services.scorer import faust_consumer_fixes, fetch_wait, lost_changelog, tansu_offsets
from services.scorer.clustering import StoryClusterer
from services.scorer.factory import build_scorer
from services.scorer.index.faust_index import register_country_index
from services.scorer.index.structural import load_baselines
from services.scorer.lexicon import load_lexicon
from services.scorer.metrics import ScorerMetrics
from services.scorer.partitioner import KeyPartitioner
from services.scorer.publish import Publisher, producer_publisher
from services.scorer.readiness import assigned, broker_answers, readiness
from services.scorer.score_loop import ScoringLoop, story_notes
from services.scorer.settings import ScorerSettings
from services.scorer.stories import StoryFollower
from shared.clock import utc_now
from shared.kafka import consumer_size_options
from shared.message_size import request_limit
from shared.metrics import new_registry, render
from shared.topics import COUNTRY_RISK, RAW_EVENTS, SCORER_COUNTRY_EVENTS


def create_app(
    settings: ScorerSettings, publisher: Publisher | None = None,
    clusterer: StoryClusterer | None = None, stories_from: int = 0,
) -> faust.App:
    """``publisher``: where scored events, dead letters, country events and stories go (default:
    the app's producer). ``clusterer``: story clusters already read from
    ``brisk.scorer.stories`` up to offset ``stories_from`` (``stories.catch_up``)."""
    tansu_offsets.install()
    faust_consumer_fixes.install()
    fetch_wait.install(settings.common.kafka_fetch_max_wait_ms)
    lost_changelog.install()
    clusterer = clusterer or StoryClusterer()
    score = build_scorer(load_lexicon(settings.lexicon_path), clusterer=clusterer)
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
        producer_max_request_size=request_limit(common.max_message_bytes),
        consumer_max_fetch_size=consumer_size_options(common)["max_partition_fetch_bytes"],
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

    loop = ScoringLoop(
        score=score, publish=publish, metrics=metrics, limit=common.max_message_bytes,
        batch_size=settings.batch_size, batch_seconds=settings.batch_seconds, crash=app.crash,
        stories=story_notes(clusterer, worker))
    app.agent(raw_events, name="score_events")(loop.run)

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
            return self.json({"status": "ok", "service": "scorer"})

    @app.page("/ready")
    class Ready(View):
        async def get(self, request: Request) -> Response:
            status, body = readiness(assigned(app), app.rebalancing, await broker_answers(app))
            return self.json(body, status=status)

    @app.page("/metrics")
    class Metrics(View):
        async def get(self, request: Request) -> Response:
            payload, content_type = render(registry)
            # aiohttp refuses a charset inside content_type=, so it goes in as a header.
            return self.bytes(payload, headers={"Content-Type": content_type})

    return app
