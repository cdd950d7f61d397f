"""The format-free content of one notification: one aggregation group, to one receiver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, NamedTuple
from urllib.parse import quote, urlencode

from shared.alerting.state import AlertGroup
from shared.schemas import Alert, AlertStatus

# Alertmanager's ``NotifyReason.String()`` values (notify/notify.go); "unknown" is its fallback
# when the dedup stage did not say.
NotifyReason = Literal[
    "first notification", "new alerts added", "some alerts resolved", "all alerts resolved",
    "repeat interval elapsed", "unknown",
]


class AlertEntry(NamedTuple):
    """An alert with its status in this notification."""

    status: AlertStatus
    alert: Alert


@dataclass(frozen=True)
class NotificationContent:
    """A group's alerts as one notification says them.

    Which list an alert is in is its status in this notification (its own ``status`` field is
    not consulted); each list keeps the order it is given in. ``id`` is also the webhook-id of
    every delivery attempt. ``external_url`` is the brisk API base the links point to, without
    a trailing slash (one is tolerated).
    """

    id: str
    tenant: str
    receiver: str
    group: AlertGroup
    firing: list[Alert]
    resolved: list[Alert]
    external_url: str
    created_at: datetime
    reason: NotifyReason = "unknown"

    @property
    def status(self) -> AlertStatus:
        return "firing" if self.firing else "resolved"

    def truncate(self, max_alerts: int) -> tuple[list[AlertEntry], int]:
        """At most ``max_alerts`` alerts (0: all), firing before resolved, and how many were
        left out (Alertmanager's ``max_alerts`` and ``truncatedAlerts``)."""
        alerts = [AlertEntry("firing", a) for a in self.firing]
        alerts += [AlertEntry("resolved", a) for a in self.resolved]
        if max_alerts <= 0 or len(alerts) <= max_alerts:
            return alerts, 0
        return alerts[:max_alerts], len(alerts) - max_alerts

    def alert_link(self, alert: Alert) -> str:
        """The alert in the brisk API (``GET /v1/alerts/{id}?tenant=…``)."""
        query = urlencode({"tenant": self.tenant})
        return f"{self._base}/v1/alerts/{quote(alert.id, safe='')}?{query}"

    def event_link(self, event_id: str) -> str:
        """One of its events in the brisk API (``GET /v1/events/{id}``)."""
        return f"{self._base}/v1/events/{quote(event_id, safe='')}"

    @property
    def _base(self) -> str:
        return self.external_url.rstrip("/")


def ended_at(status: AlertStatus, alert: Alert) -> datetime | None:
    """When a resolved alert ended (``updated_at`` if it carries no ``ends_at``); None if firing."""
    if status == "firing":
        return None
    return alert.ends_at or alert.updated_at


def rfc3339(moment: datetime) -> str:
    """UTC, ``Z``, fractional seconds only when non-zero and without trailing zeros — what Go's
    ``time.Time`` JSON encoding (RFC 3339 nano) writes for a UTC time."""
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"
