"""Settings every service shares, read from ``BRISK_*`` environment variables.

Service-specific settings live in each service's ``settings.py`` under ``BRISK_<SERVICE>_*``
and embed these as ``common``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRISK_", frozen=True, extra="ignore")

    kafka_bootstrap: str = Field(
        default="127.0.0.1:9092", description="host:port[,host:port] of Kafka or the embedded broker"
    )
    redis_url: str = Field(default="redis://127.0.0.1:6379/0")
    # A plain str, not SecretStr: libpq takes it whole. It may hold a password, so it is never
    # logged or put in an error; show ``shared.db.redact_url(url)`` instead.
    postgres_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/brisk",
        description="libpq URL of brisk's PostgreSQL (BRISK_POSTGRES_URL); `brisk up` sets it to "
        "its embedded server's socket. May hold a password: never log it.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    # Tansu needs half the session timeout to complete a group join: 6 s keeps start-up near 3 s.
    kafka_session_timeout_ms: int = Field(default=6000, ge=1000)
    kafka_heartbeat_interval_ms: int = Field(default=1000, ge=100)
    kafka_linger_ms: int = Field(default=10, ge=0)
    # How long a fetch may wait for records, in every consumer (Faust's worker consumer too,
    # through services/scorer/fetch_wait.py). Tansu answers a fetch only when this has passed,
    # so it is a floor under each hop's latency: aiokafka's 500 ms and Faust's 1,500 ms were.
    # An idle consumer fetches 40 times a second at 25 ms.
    kafka_fetch_max_wait_ms: int = Field(default=25, ge=1, le=5000)
    kafka_max_batch_bytes: int = Field(default=1_048_576, ge=16_384)
    # One message-size limit for every producer and consumer (Faust's included): a record over it
    # is refused where it is made and dead-lettered (a bounded head of it), never sent and retried.
    max_message_bytes: int = Field(default=1_048_576, ge=524_288, le=64 * 1_048_576)
