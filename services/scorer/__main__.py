"""``python -m services.scorer``: one Faust worker, logging through brisk's JSON formatter."""

import asyncio

import faust

from services.scorer.app import create_app
from services.scorer.settings import ScorerSettings
from shared.kafka import ensure_topics
from shared.logging import configure_logging

settings = ScorerSettings()
configure_logging("scorer", settings.common.log_level, settings.common.log_format)
# Topics exist before Faust subscribes, with brisk's partition counts, whoever starts first.
asyncio.run(ensure_topics(settings.common.kafka_bootstrap))
worker = faust.Worker(
    create_app(settings),
    loglevel=settings.common.log_level,
    override_logging=False,
    redirect_stdouts=False,
)
worker.execute_from_commandline()
