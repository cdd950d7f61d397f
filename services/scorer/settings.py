"""Scorer settings: ``BRISK_SCORER_*``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.scorer.lexicon import DEFAULT_LEXICON
from shared.settings import CommonSettings


class ScorerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRISK_SCORER_", frozen=True, extra="ignore")

    common: CommonSettings = Field(default_factory=CommonSettings)
    app_id: str = Field(default="brisk-scorer", description="Faust app id = consumer group")
    host: str = "127.0.0.1"
    port: int = Field(default=9102, ge=1, le=65535, description="/health and /metrics")
    lexicon_path: Path = DEFAULT_LEXICON
    data_dir: Path = Field(default=Path(".brisk/scorer"), description="Faust's working directory")
    # Batches amortise Faust's per-event cost; ``batch_seconds`` bounds the latency a batch adds
    # (a batch that does not fill waits it out: 0.2 s was most of raw → scored at 200 events/s).
    batch_size: int = Field(default=500, ge=1, le=10_000)
    batch_seconds: float = Field(default=0.05, gt=0, le=5)
    # Workers share story clusters through brisk.scorer.stories (stories.py); before it starts,
    # a worker reads it for at most this long, so a restart keeps its stories.
    share_stories: bool = True
    stories_catch_up_seconds: float = Field(default=15, ge=0, le=300)
    index_refresh_seconds: float | None = Field(
        default=900, gt=0, description="Re-publish decaying indices; unset to disable")
