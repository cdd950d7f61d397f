"""Webhook delivery state kept in PostgreSQL (``shared/db/migrations/0002_delivery.sql``): the
outbox's items, the log of attempts and each endpoint's health. Plain frozen models; the stores
read and write them, the alerts service's delivery workers compute with them, the CLI (and the
API) show them.

An *endpoint* is one tenant's receiver: its notifications are delivered strictly in ``seq``
order, one at a time, by whichever alerts worker holds its lock.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

OutboxOutcome = Literal["pending", "delivered", "dead", "recorded"]
AttemptOutcome = Literal["delivered", "retry", "dead", "disabled"]
CircuitState = Literal["closed", "open", "half_open"]


class _State(BaseModel):
    model_config = ConfigDict(frozen=True)


class OutboxItem(_State):
    """A pending notification at (or near) the head of its endpoint's queue."""

    id: str = Field(description="The webhook-id, the same on every attempt")
    tenant: str
    tenant_id: int
    receiver: str
    seq: int
    format: str
    body: bytes = Field(repr=False)
    attempts: int = Field(description="Attempts made so far")
    created_at: AwareDatetime
    next_attempt_at: AwareDatetime


class AttemptRecord(_State):
    """One HTTP attempt of a notification: a row of the tenant's delivery log."""

    notification_id: str
    tenant: str
    receiver: str
    attempt: int = Field(ge=1)
    at: AwareDatetime
    outcome: AttemptOutcome
    status_code: int | None = None
    latency_ms: float
    error: str = ""
    response_excerpt: str = ""
    next_attempt_at: AwareDatetime | None = None


class EndpointHealth(_State):
    """A receiver's delivery health. ``disabled_at`` set: nothing is attempted (notifications
    still queue) until it is enabled again (``brisk receiver enable``)."""

    tenant: str
    receiver: str
    consecutive_failures: int = 0
    failing_since: AwareDatetime | None = None
    circuit: CircuitState = "closed"
    circuit_until: AwareDatetime | None = None
    circuit_opened: int = Field(default=0, description="Consecutive openings: the cool-down doubles")
    disabled_at: AwareDatetime | None = None
    disabled_reason: str | None = None
    last_success_at: AwareDatetime | None = None


class EndpointSummary(_State):
    """What ``brisk receiver list`` (and the API) show of one receiver: its health and queue."""

    health: EndpointHealth
    url: str | None
    format: str
    pending: int
    oldest_pending_at: AwareDatetime | None
    dead: int
    previous_secret_until: AwareDatetime | None = None
