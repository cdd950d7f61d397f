"""API settings: ``BRISK_API_*`` (and the shared ``BRISK_*`` and ``BRISK_HTTP_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.http_limits import HttpLimits
from shared.settings import CommonSettings


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRISK_API_", frozen=True, extra="ignore")

    common: CommonSettings = Field(default_factory=CommonSettings)
    http: HttpLimits = Field(default_factory=HttpLimits)
    group_id: str = Field(default="brisk-api", description="Consumer group of the event projector")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    events_retained: int = Field(default=10_000, ge=100, description="Latest events kept in Redis")
