"""Alert: what a tenant's rule fired, as kept in PostgreSQL, published on ``brisk.alerts`` (inside
an ``AlertChange``) and carried by notifications.

One alert per fingerprint (tenant + rule + what it is about: a story, a country and category, an
entity or asset in a story); it fires, may be muted, acked, grouped and notified, and resolves.
A resolved alert that fires again is the same alert in a new episode (``episode`` + 1).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from shared.schemas.base import Contract
from shared.schemas.scored_event import Explanation, Iso3, RiskCategory, RiskScores

AlertStatus = Literal["firing", "resolved"]
AlertKind = Literal["event", "country_index", "spike", "watchlist", "exposure"]
LabelValue = Annotated[str, Field(max_length=1000)]


class EventScore(Contract):
    """One event behind an alert, with its scores; an alert keeps its five most severe
    (``AlertReason.events``), so a notification can show what drove it without a lookup."""

    id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=2000)
    severity: float = Field(ge=0, le=100)
    scores: RiskScores
    url: str | None = Field(default=None, max_length=4096)
    published_at: AwareDatetime | None = None


class AlertReason(Contract):
    """Why it fired: a one-line summary, the labels the rule matched on, the score's top
    explanations (at most five), and the most severe events behind it (at most five, most
    severe first; none for index and spike alerts)."""

    summary: str = Field(min_length=1, max_length=1000)
    matched: dict[str, LabelValue] = Field(default_factory=dict)
    explanations: list[Explanation] = Field(default_factory=list, max_length=5)
    events: list[EventScore] = Field(default_factory=list, max_length=5)


class Alert(Contract):
    schema_version: Literal[2] = 2
    tenant: str = Field(min_length=1, max_length=100)
    id: str = Field(min_length=8, max_length=64, description="Stable: the fingerprint")
    fingerprint: str = Field(min_length=8, max_length=64)
    rule: str = Field(min_length=1, max_length=100)
    kind: AlertKind
    status: AlertStatus
    labels: dict[str, LabelValue] = Field(description="Multi-valued labels joined by ','")
    severity: float = Field(ge=0, le=100)
    category: RiskCategory | Literal["none"]
    countries: list[Iso3] = Field(default_factory=list)
    title: str = Field(min_length=1, max_length=2000)
    url: str | None = Field(default=None, max_length=4096)
    reason: AlertReason
    event_ids: list[str] = Field(default_factory=list, max_length=50,
                                 description="Its events, most recent last (at most 50)")
    episode: int = Field(default=1, ge=1)
    starts_at: AwareDatetime
    updated_at: AwareDatetime = Field(description="When its condition was last seen")
    ends_at: AwareDatetime | None = None
    resolve_at: AwareDatetime | None = Field(
        default=None, description="It resolves then unless its condition is seen again")


ChangeKind = Literal[
    "fired", "refired", "updated", "grouped", "silenced", "unsilenced", "inhibited",
    "uninhibited", "acked", "unacked", "ack_expired", "resolved", "notified", "notify_failed",
]


class AlertChange(Contract):
    """One state change of an alert: a row of its history and a record on ``brisk.alerts``.
    ``detail`` names the cause: the silence or inhibit rule, who acked and why, the receiver."""

    schema_version: Literal[1] = 1
    tenant: str = Field(min_length=1, max_length=100)
    alert_id: str = Field(min_length=8, max_length=64)
    change: ChangeKind
    at: AwareDatetime
    detail: dict[str, LabelValue] = Field(default_factory=dict)
    alert: Alert | None = Field(default=None, description="The alert after the change")
