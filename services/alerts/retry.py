"""Retry a notifier with exponential backoff and jitter, only while its failures are retryable."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.alerts.notifiers.base import Delivery, Notifier
from shared.backoff import backoff_delay
from shared.schemas import Alert


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    max_seconds: float


async def deliver(
    notifier: Notifier,
    alert: Alert,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]],
    draw: Callable[[], float],
) -> tuple[Delivery, int]:
    """The final delivery outcome and the number of attempts it took."""
    attempt = 0
    while True:
        attempt += 1
        delivery = await notifier.notify(alert)
        if delivery.ok or not delivery.retryable or attempt >= policy.max_attempts:
            return delivery, attempt
        await sleep(backoff_delay(attempt, policy.base_seconds, policy.max_seconds, draw))
