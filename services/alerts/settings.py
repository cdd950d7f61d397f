"""Alerts settings: ``BRISK_ALERTS_*``. Webhooks are off until a URL and a secret are set."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.http_limits import HttpLimits
from shared.settings import CommonSettings


class AlertsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRISK_ALERTS_", frozen=True, extra="ignore")

    common: CommonSettings = Field(default_factory=CommonSettings)
    http: HttpLimits = Field(default_factory=HttpLimits)
    group_id: str = "brisk-alerts"
    host: str = "127.0.0.1"
    port: int = Field(default=9103, ge=1, le=65535, description="/health, /ready, /metrics")
    # 50 = "medium" and above in the scorer's levels: could disrupt operations or change costs.
    severity_threshold: float = Field(default=50, ge=0, le=100)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(
        default=None, description="Standard Webhooks secret: whsec_ + base64 of 24-64 random bytes"
    )
    # Off by default: a webhook URL may not point at loopback, private or link-local addresses
    # (SSRF). Turn on only for a receiver on your own network, or in tests.
    allow_private_targets: bool = False
    webhook_timeout_seconds: float = Field(default=10, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=20)
    base_backoff_seconds: float = Field(default=1.0, gt=0)
    max_backoff_seconds: float = Field(default=60.0, gt=0)
    dedup_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> AlertsSettings:
        # An empty secret is a missing secret: never send unsigned, never silently send nothing.
        if self.webhook_url and not (self.webhook_secret and self.webhook_secret.get_secret_value()):
            raise ValueError("BRISK_ALERTS_WEBHOOK_SECRET is required when a webhook URL is set")
        return self
