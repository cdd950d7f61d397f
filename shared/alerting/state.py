"""The alerting state kept in PostgreSQL besides configuration: silences, acks, aggregation
groups, notifications. Plain frozen models; the stores in ``shared/stores`` read and write them,
the alerts service's stages compute with them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.alerting.config import MatcherField
from shared.alerting.matchers import all_match


class _State(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class Tenant(_State):
    name: str
    created_at: AwareDatetime
    revision: int = Field(description="Bumped by every change of its configuration or silences")


class Silence(_State):
    """Mutes the alerts its matchers all match while ``starts_at <= now < ends_at``."""

    id: str
    tenant: str
    matchers: list[MatcherField] = Field(min_length=1)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    created_by: str
    comment: str
    created_at: AwareDatetime

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def mutes(self, labels: dict[str, str], now: datetime) -> bool:
        return self.active(now) and all_match(self.matchers, labels)


class Ack(_State):
    """Someone has seen an alert: its repeat notifications are muted while it keeps firing.
    It ends when the alert resolves, when it expires (``expires_at``) or by ``unack``."""

    alert_id: str
    tenant: str
    by: str
    comment: str = ""
    created_at: AwareDatetime
    expires_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None

    def active(self, now: datetime) -> bool:
        return self.ended_at is None and (self.expires_at is None or now < self.expires_at)


class RouteTarget(_State):
    """Where a route sends an alert and with which timers (inheritance already resolved)."""

    route_id: str = Field(description="Path in the tree: '0' is the root, '0.2.1' a grandchild")
    receiver: str
    group_by: tuple[str, ...]
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta


class Notified(_State):
    """What the last notification of a group said (Alertmanager's notification log entry)."""

    firing: frozenset[str] = frozenset()
    resolved: frozenset[str] = frozenset()
    at: AwareDatetime


class AlertGroup(_State):
    """An aggregation group: one route, one set of group label values. ``next_flush_at`` is the
    stored timer: created + group_wait first, then last flush + group_interval."""

    id: str
    tenant: str
    target: RouteTarget
    labels: dict[str, str]
    created_at: AwareDatetime
    next_flush_at: AwareDatetime
    notified: Notified | None = None


NotificationOutcome = Literal["pending", "delivered", "dead", "recorded"]


class NotificationRecord(_State):
    """One notification of a group to its receiver: what it carried and how it went.
    ``recorded``: a null receiver (no URL), kept in the log but not sent."""

    id: str = Field(description="Also the webhook-id of its deliveries")
    tenant: str
    group_id: str
    receiver: str
    firing: list[str]
    resolved: list[str]
    created_at: AwareDatetime
    outcome: NotificationOutcome
    detail: str = ""
    attempts: int = 0
