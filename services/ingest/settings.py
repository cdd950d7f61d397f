"""Ingest settings: ``BRISK_INGEST_*``, and the feeds, from a YAML file and/or a JSON variable."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import CommonSettings

FeedFormat = Literal[
    "rss", "atom", "gdelt", "gdelt-gkg", "sdn", "ofac-cons", "un", "ftm", "ftm-delta",
    "federal-register", "regulations-gov", "nmea", "jsonl",
]
SNAPSHOT_FORMATS: frozenset[str] = frozenset({"sdn", "ofac-cons", "un", "ftm"})


class FeedConfig(BaseModel):
    """One feed. ``location`` is a file (replayed once), an http(s) URL (polled every
    ``interval_seconds``; for ``gdelt`` the URL of ``lastupdate.txt``) or, for ``nmea``,
    ``tcp://host:port`` (a live AIS stream)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    format: FeedFormat = "rss"
    location: str = Field(min_length=1)
    interval_seconds: float = Field(default=300, ge=5)
    enabled: bool = True
    # Sanctions lists: the first snapshot is a silent baseline unless this is true.
    announce_initial: bool = False
    description: str = ""

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    @property
    def is_tcp(self) -> bool:
        return self.location.startswith("tcp://")

    @model_validator(mode="after")
    def _tcp_only_for_nmea(self) -> FeedConfig:
        if self.is_tcp and self.format != "nmea":
            raise ValueError(f"feed {self.name}: tcp:// locations are only for the nmea format")
        return self


class FeedsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feeds: list[FeedConfig]


class IngestSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRISK_INGEST_", frozen=True, extra="ignore")

    common: CommonSettings = Field(default_factory=CommonSettings)
    feeds_file: Path | None = Field(default=None, description="YAML file of feeds")
    feeds: list[FeedConfig] = Field(default_factory=list, description="JSON list of feeds")
    host: str = "127.0.0.1"
    port: int = Field(default=9101, ge=1, le=65535, description="/health, /metrics, /v1/ingest")
    max_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    http_timeout_seconds: float = Field(default=30, gt=0)
    max_backoff_seconds: float = Field(default=900, gt=0)
    seen_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    # Part of the seen-set's keys (see seen_set.py): brisk up sets it to an in-memory broker's
    # run id, so a broker restart never leaves events "seen" that the broker no longer has.
    seen_scope: str = Field(default="", max_length=100, pattern=r"^[A-Za-z0-9._-]*$")
    # How long a publish may wait for the broker's acknowledgement before it counts as failed
    # (a feed backs off, a partner gets 503): a dead broker must not hang ingest.
    publish_timeout_seconds: float = Field(default=10, gt=0, le=300)
    # Readiness checks (the broker round trip, the Redis ping) give up after this long.
    check_timeout_seconds: float = Field(default=2, gt=0, le=60)
    # Partner name -> SHA-256 hex of its push token (`brisk token new NAME` makes both).
    push_token_hashes: dict[str, str] = Field(default_factory=dict)
    push_max_bytes: int = Field(default=1024 * 1024, ge=1024)
