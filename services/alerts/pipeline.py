"""Scored event → rule → dedup → publish → notify (with retries) → remember.

The stages run in that order for every event. A delivery that still fails after its retries is
dead-lettered with the alert, so nothing is silently dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiokafka import ConsumerRecord

from services.alerts.metrics import AlertsMetrics
from services.alerts.notifiers.base import Notifier
from services.alerts.notifiers.webhook import message_id
from services.alerts.retry import RetryPolicy, deliver
from services.alerts.rules import evaluate
from services.alerts.sent_log import SentLog
from shared.clock import Clock
from shared.dlq import dead_letter, decode_or_dead_letter
from shared.schemas import Alert, DeadLetter, ScoredEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertPipeline:
    threshold: float
    notifier: Notifier | None
    sent_log: SentLog
    publish_alert: Callable[[Alert], Awaitable[None]]
    publish_dead_letter: Callable[[DeadLetter], Awaitable[None]]
    policy: RetryPolicy
    metrics: AlertsMetrics
    clock: Clock
    sleep: Callable[[float], Awaitable[None]]
    draw: Callable[[], float]

    async def handle(self, record: ConsumerRecord) -> None:
        self.metrics.consumed.inc()
        now = self.clock()
        event = decode_or_dead_letter(
            ScoredEvent, record.value, service="alerts", now=now, topic=record.topic,
            partition=record.partition, offset=record.offset,
        )
        if isinstance(event, DeadLetter):
            self.metrics.invalid.inc()
            log.warning("refused scored event", extra={"reason": event.reason})
            await self.publish_dead_letter(event)
            return
        alert = evaluate(event, self.threshold, now)
        if alert is None:
            return
        key = message_id(alert)
        if await self.sent_log.seen(key):
            self.metrics.duplicates.inc()
            return
        self.metrics.fired.labels(alert.category).inc()
        log.info("alert fired", extra={"alert": alert.id, "severity": alert.severity,
                                       "group": alert.group_key, "title": alert.title})
        await self.publish_alert(alert)
        if self.notifier is not None:
            await self._notify(alert)
        await self.sent_log.mark(key)

    async def _notify(self, alert: Alert) -> None:
        assert self.notifier is not None
        started = time.perf_counter()
        delivery, attempts = await deliver(self.notifier, alert, self.policy, self.sleep, self.draw)
        self.metrics.delivery_seconds.observe(time.perf_counter() - started)
        self.metrics.attempts.inc(attempts)
        if delivery.ok:
            self.metrics.notifications.labels("delivered").inc()
            log.info("alert delivered", extra={"alert": alert.id, "attempts": attempts})
            return
        outcome = "failed" if delivery.retryable else "refused"
        self.metrics.notifications.labels(outcome).inc()
        log.error("alert not delivered", extra={"alert": alert.id, "attempts": attempts,
                                                "detail": delivery.detail})
        await self.publish_dead_letter(dead_letter(
            service="alerts", stage="notify_webhook", source=alert.group_key,
            payload=alert.to_bytes(), reason=f"after {attempts} attempts: {delivery.detail}",
            now=self.clock(),
        ))
