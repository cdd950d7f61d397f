"""Alerts settings: ``BRISK_ALERTS_*``.

Tenants are configured in PostgreSQL (``brisk config apply``). The ``WEBHOOK_URL`` /
``WEBHOOK_SECRET`` / ``SEVERITY_THRESHOLD`` settings of the first releases keep working: they are
the built-in ``default`` tenant (``default_tenant.py``).
"""

from __future__ import annotations

from datetime import timedelta
from ipaddress import IPv4Network, IPv6Network
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.alerting.webhook_secret import SECRET_FORM, decode_secret
from shared.http_limits import HttpLimits
from shared.settings import CommonSettings

if TYPE_CHECKING:
    from services.alerts.delivery.circuit import CircuitPolicy
    from services.alerts.delivery.schedule import RetrySchedule


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
    webhook_timeout_seconds: float = Field(default=10, gt=0, le=120)
    # The wait before each attempt of a notification (a receiver's ``retry_schedule`` overrides
    # it): Svix's — immediately, 5s, 5m, 30m, 2h, 5h, 10h, 10h; then it is dead (replayable).
    retry_schedule: str = "0s,5s,5m,30m,2h,5h,10h,10h"
    retry_jitter: float = Field(default=0.1, ge=0, le=1)
    # The circuit breaker per endpoint: this many failures in a row open it for the cool-down
    # (doubling with each re-opening, up to the maximum); then one probe decides.
    circuit_failures: int = Field(default=5, ge=1, le=1000)
    circuit_cooldown_seconds: float = Field(default=30, gt=0)
    circuit_max_cooldown_seconds: float = Field(default=600, gt=0)
    # An endpoint failing continuously this long is disabled (``brisk receiver enable``).
    disable_after: str = "5d"
    delivery_batch: int = Field(default=50, ge=1, le=1000)
    max_endpoint_workers: int = Field(default=64, ge=1, le=1024)
    delivery_poll_seconds: float = Field(default=0.5, gt=0, le=10)
    response_excerpt_bytes: int = Field(default=1024, ge=0, le=65536)
    stats_seconds: float = Field(default=5, gt=0, le=300)
    # How often the flusher looks for due groups and alerts to resolve, and how often tenants'
    # configuration revisions are polled: together they bound "a change applies within 2 s".
    tick_seconds: float = Field(default=0.5, gt=0, le=10)
    reload_seconds: float = Field(default=1.0, gt=0, le=10)
    # A claimed group is leased this long: a worker that dies mid-flush leaves it to the next.
    flush_lease_seconds: float = Field(default=120, ge=10)
    max_concurrent_flushes: int = Field(default=16, ge=1, le=256)
    external_url: str = Field(default="http://127.0.0.1:8000",
                              description="The API's base URL, for links in notifications")

    @field_validator("retry_schedule")
    @classmethod
    def _schedule_form(cls, value: str) -> str:
        from services.alerts.delivery.schedule import RetrySchedule

        RetrySchedule.parse(value)
        return value

    @field_validator("disable_after")
    @classmethod
    def _duration_form(cls, value: str) -> str:
        from shared.alerting.durations import parse_duration

        parse_duration(value)
        return value

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

    def schedule(self) -> RetrySchedule:
        from services.alerts.delivery.schedule import RetrySchedule

        return RetrySchedule.parse(self.retry_schedule, self.retry_jitter)

    def circuit_policy(self) -> CircuitPolicy:
        from services.alerts.delivery.circuit import CircuitPolicy
        from shared.alerting.durations import parse_duration

        return CircuitPolicy(
            failure_threshold=self.circuit_failures,
            cooldown=timedelta(seconds=self.circuit_cooldown_seconds),
            max_cooldown=timedelta(seconds=max(self.circuit_max_cooldown_seconds,
                                               self.circuit_cooldown_seconds)),
            disable_after=parse_duration(self.disable_after))

    def private_targets(self) -> bool | list[IPv4Network | IPv6Network]:
        from shared.alerting.targets import parse_allow_private

        return parse_allow_private(self.allow_private_targets)
