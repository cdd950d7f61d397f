"""``python -m services.scorer``: one Faust worker, logging through brisk's JSON formatter."""

import faust

from services.scorer.app import create_app
from services.scorer.settings import ScorerSettings
from shared.logging import configure_logging

settings = ScorerSettings()
configure_logging("scorer", settings.common.log_level, settings.common.log_format)
worker = faust.Worker(
    create_app(settings),
    loglevel=settings.common.log_level,
    override_logging=False,
    redirect_stdouts=False,
)
worker.execute_from_commandline()
