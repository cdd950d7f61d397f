"""One endpoint's delivery worker: send its due notifications in order, one at a time, until its
queue is empty or must wait; then return (the dispatcher starts it again when something is due).

A batch: read the receiver (URL, secrets: a rotation applies at the next batch), its health and
the first ``batch`` pending notifications; attempt them in order while they are due and the
endpoint may go on (``decide.py``); settle the batch in one transaction. Until that commit
nothing is lost: a worker killed mid-batch leaves the notifications pending, and the next worker
sends them again with the same ``webhook-id``. Only the caller holding the endpoint's lock runs
this, so no two workers ever interleave one endpoint's queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from psycopg_pool import AsyncConnectionPool

from services.alerts.delivery import circuit
from services.alerts.delivery.circuit import CircuitPolicy
from services.alerts.delivery.decide import decide, unsendable
from services.alerts.delivery.schedule import RetrySchedule
from services.alerts.metrics import AlertsMetrics
from services.alerts.notifiers.base import Notification, Notifier
from services.alerts.tenant_cache import TenantCache
from shared.alerting.delivery import EndpointHealth
from shared.alerting.webhook_secret import decode_secret
from shared.clock import Clock
from shared.stores import outbox
from shared.stores.outbox import DueEndpoint, Settled

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EndpointWorker:
    pool: AsyncConnectionPool
    tenants: TenantCache
    notifier: Notifier
    schedule: RetrySchedule
    policy: CircuitPolicy
    metrics: AlertsMetrics
    clock: Clock
    draw: Callable[[], float]
    batch: int = 50

    async def run(self, endpoint: DueEndpoint) -> None:
        """Deliver until the endpoint's queue is empty or has to wait."""
        while await self._batch(endpoint):
            pass

    def _schedule_for(self, endpoint: DueEndpoint) -> RetrySchedule:
        tenant = self.tenants.get(endpoint.tenant)
        receiver = tenant.config.receiver(endpoint.receiver) if tenant else None
        if receiver is None or receiver.retry_schedule is None:
            return self.schedule
        return RetrySchedule(tuple(receiver.retry_schedule), self.schedule.jitter)

    async def _batch(self, endpoint: DueEndpoint) -> bool:
        """One batch; True when the queue may go on at once."""
        tid, receiver = endpoint.tenant_id, endpoint.receiver
        now = loaded_at = self.clock()
        async with self.pool.connection() as conn:
            target = await outbox.endpoint_target(conn, tid, receiver, now)
            health = await outbox.load_health(conn, tid, endpoint.tenant, receiver)
            items = await outbox.head(conn, tid, endpoint.tenant, receiver, self.batch)
        if not items:
            return False
        if target is None or target.url is None:
            why = ("its receiver was removed from the configuration" if target is None
                   else "its receiver has no URL any more")
            await self._settle(endpoint, [unsendable(i, why) for i in items], None, loaded_at)
            return True
        if not circuit.may_attempt(health, now) or items[0].next_attempt_at > now:
            return False
        keys = tuple(decode_secret(s) for s in (target.secret, target.previous_secret) if s)
        schedule = self._schedule_for(endpoint)
        settled: list[Settled] = []
        go_on = True
        for item in items:
            now = self.clock()
            if item.next_attempt_at > now:
                go_on = False
                break
            health = circuit.before_attempt(health, now)
            response = await self.notifier.send(Notification(
                id=item.id, receiver=receiver, url=target.url, keys=keys, body=item.body))
            now = self.clock()
            decision = decide(item, response, health, schedule, self.policy, now, self.draw)
            health = decision.health
            settled.append(decision.settled)
            self._observe(item.format, decision.settled, item.created_at)
            if decision.stop:
                go_on = False
                break
        await self._settle(endpoint, settled, health, loaded_at)
        return go_on and len(items) == self.batch

    async def _settle(self, endpoint: DueEndpoint, settled: list[Settled],
                      health: EndpointHealth | None, loaded_at: datetime) -> None:
        async with self.pool.connection() as conn, conn.transaction():
            await outbox.settle(conn, endpoint.tenant_id, endpoint.receiver, settled, health,
                                self.clock(), loaded_at)
        for s in settled:
            if s.outcome == "dead":
                log.error("notification dead-lettered", extra={
                    "tenant": endpoint.tenant, "receiver": endpoint.receiver,
                    "notification": s.id, "attempts": s.attempts, "detail": s.detail})

    def _observe(self, fmt: str, settled: Settled, created_at: datetime) -> None:
        attempt = settled.attempt
        if attempt is None:
            return
        self.metrics.attempts.labels(attempt.outcome).inc()
        self.metrics.attempt_seconds.observe(attempt.latency_ms / 1000)
        if settled.outcome in ("delivered", "dead"):
            self.metrics.notifications.labels(settled.outcome, fmt).inc()
        if settled.outcome == "delivered":
            self.metrics.delivery_lag_seconds.observe((attempt.at - created_at).total_seconds())
