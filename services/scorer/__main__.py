"""``python -m services.scorer``: one Faust worker, logging through brisk's JSON formatter."""

import asyncio

import faust

from services.scorer.app import create_app
from services.scorer.clustering import StoryClusterer
from services.scorer.settings import ScorerSettings
from services.scorer.stories import catch_up
from shared.kafka import ensure_topics
from shared.logging import configure_logging

settings = ScorerSettings()
configure_logging("scorer", settings.common.log_level, settings.common.log_format)
# Topics exist before Faust subscribes, with brisk's partition counts, whoever starts first.
asyncio.run(ensure_topics(settings.common.kafka_bootstrap))
# Story clusters from before this start (other workers', and this one's before a restart) are
# read before scoring begins, not inside the agent: an agent that does not consume can stall
# Faust's rebalancing (stream_wait_empty).
clusterer = StoryClusterer()
stories_from = (asyncio.run(catch_up(settings.common.kafka_bootstrap, clusterer,
                                     max_seconds=settings.stories_catch_up_seconds))
                if settings.share_stories else 0)
worker = faust.Worker(
    create_app(settings, clusterer=clusterer, stories_from=stories_from),
    loglevel=settings.common.log_level,
    override_logging=False,
    redirect_stdouts=False,
)
worker.execute_from_commandline()
