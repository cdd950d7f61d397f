"""Retry a notifier with exponential backoff and jitter, only while its failures are retryable."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.alerts.notifiers.base import Delivery, Notification, Notifier
from shared.backoff import backoff_delay


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    max_seconds: float


async def deliver(
    notifier: Notifier,
    notification: Notification,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]],
    draw: Callable[[], float],
) -> tuple[Delivery, int]:
    """The final delivery outcome and the number of attempts it took. Every attempt sends the
    same notification (same webhook-id and body); the notifier signs each one afresh."""
    attempt = 0
    while True:
        attempt += 1
        delivery = await notifier.notify(notification)
        if delivery.ok or not delivery.retryable or attempt >= policy.max_attempts:
            return delivery, attempt
        await sleep(backoff_delay(attempt, policy.base_seconds, policy.max_seconds, draw))
