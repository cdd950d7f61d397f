"""Alert: what the alerts service fires, groups, resolves and delivers to webhooks."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from shared.schemas.base import Contract
from shared.schemas.scored_event import Iso3, RiskCategory

AlertStatus = Literal["firing", "resolved"]


class Alert(Contract):
    schema_version: Literal[1] = 1
    id: str = Field(min_length=8, max_length=64, description="Stable per fingerprint")
    fingerprint: str = Field(min_length=8, max_length=64, description="Hash of rule + group key")
    rule: str = Field(min_length=1, max_length=200)
    status: AlertStatus
    severity: float = Field(ge=0, le=100)
    category: RiskCategory | Literal["none"]
    group_key: str = Field(min_length=1, max_length=500)
    countries: list[Iso3] = Field(default_factory=list)
    title: str = Field(min_length=1, max_length=2000)
    url: str | None = Field(default=None, max_length=4096)
    event_ids: list[str] = Field(min_length=1)
    starts_at: AwareDatetime
    updated_at: AwareDatetime
    ends_at: AwareDatetime | None = None
