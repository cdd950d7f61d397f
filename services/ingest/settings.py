"""Ingest settings: ``BRISK_INGEST_*``."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import CommonSettings


class FeedConfig(BaseModel):
    """One feed: a local file (replayed once) or an http(s) URL (polled every ``interval_seconds``)."""

    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")
    location: str = Field(min_length=1, description="A file path or an http(s) URL")
    interval_seconds: float = Field(default=300, ge=5)

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))


class IngestSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRISK_INGEST_", frozen=True, extra="ignore")

    common: CommonSettings = Field(default_factory=CommonSettings)
    feeds: list[FeedConfig] = Field(default_factory=list, description="JSON list of feeds")
    host: str = "127.0.0.1"
    port: int = Field(default=9101, ge=1, le=65535, description="/health and /metrics")
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    http_timeout_seconds: float = Field(default=20, gt=0)
    max_backoff_seconds: float = Field(default=900, gt=0)
