"""Alerts settings: ``BRISK_ALERTS_*``.

Tenants are configured in PostgreSQL (``brisk config apply``). The ``WEBHOOK_URL`` /
``WEBHOOK_SECRET`` / ``SEVERITY_THRESHOLD`` settings of the first releases keep working: they are
the built-in ``default`` tenant (``default_tenant.py``).
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.alerting.webhook_secret import SECRET_FORM, decode_secret
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
    webhook_secret: SecretStr | None = Field(default=None, description=SECRET_FORM)
    # Off by default: a webhook URL may not point at loopback, private or link-local addresses
    # (SSRF). ``true`` allows every non-public target (the embedded demo, tests); a comma-separated
    # list of networks (``127.0.0.0/8``) allows only those.
    allow_private_targets: str = "false"
    webhook_timeout_seconds: float = Field(default=10, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=20)
    base_backoff_seconds: float = Field(default=1.0, gt=0)
    max_backoff_seconds: float = Field(default=60.0, gt=0)
    # How often the flusher looks for due groups and alerts to resolve, and how often tenants'
    # configuration revisions are polled: together they bound "a change applies within 2 s".
    tick_seconds: float = Field(default=0.5, gt=0, le=10)
    reload_seconds: float = Field(default=1.0, gt=0, le=10)
    # A claimed group is leased this long: a worker that dies mid-flush leaves it to the next.
    flush_lease_seconds: float = Field(default=120, ge=10)
    max_concurrent_flushes: int = Field(default=16, ge=1, le=256)
    external_url: str = Field(default="http://127.0.0.1:8000",
                              description="The API's base URL, for links in notifications")

    @field_validator("allow_private_targets")
    @classmethod
    def _allow_private_form(cls, value: str) -> str:
        from shared.alerting.targets import parse_allow_private

        parse_allow_private(value)
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> AlertsSettings:
        # An empty secret is a missing secret: never send unsigned, never silently send nothing.
        if self.webhook_url and not (self.webhook_secret and self.webhook_secret.get_secret_value()):
            raise ValueError("BRISK_ALERTS_WEBHOOK_SECRET is required when a webhook URL is set")
        if self.webhook_secret and self.webhook_secret.get_secret_value():
            try:
                decode_secret(self.webhook_secret.get_secret_value())
            except ValueError:
                raise ValueError(f"BRISK_ALERTS_WEBHOOK_SECRET must be {SECRET_FORM}") from None
        return self

    def private_targets(self) -> bool | list[IPv4Network | IPv6Network]:
        from shared.alerting.targets import parse_allow_private

        return parse_allow_private(self.allow_private_targets)
