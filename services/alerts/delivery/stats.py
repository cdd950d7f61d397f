"""The outbox's gauges, read from PostgreSQL every few seconds: they describe what every alerts
process shares (any of them may hold an endpoint), so each process reports the whole outbox."""

from __future__ import annotations

import asyncio
import logging

from psycopg_pool import AsyncConnectionPool

from services.alerts.metrics import AlertsMetrics
from shared.clock import Clock
from shared.stores.outbox import OutboxStats, outbox_stats

log = logging.getLogger(__name__)

CIRCUIT_VALUES = {"closed": 0, "half_open": 1, "open": 2}


def publish_stats(metrics: AlertsMetrics, stats: list[OutboxStats], clock: Clock) -> None:
    now = clock()
    for gauge in (metrics.outbox_depth, metrics.outbox_oldest_seconds, metrics.circuit_state):
        gauge.clear()
    for s in stats:
        labels = (s.tenant, s.receiver)
        metrics.outbox_depth.labels(*labels).set(s.pending)
        oldest = (now - s.oldest_pending_at).total_seconds() if s.oldest_pending_at else 0.0
        metrics.outbox_oldest_seconds.labels(*labels).set(max(oldest, 0.0))
        metrics.circuit_state.labels(*labels).set(CIRCUIT_VALUES.get(s.circuit, 0))
    metrics.endpoints_disabled.set(sum(1 for s in stats if s.disabled))
    metrics.dead_letters.set(sum(s.dead for s in stats))


async def run_stats(pool: AsyncConnectionPool, metrics: AlertsMetrics, clock: Clock,
                    every: float) -> None:
    while True:
        try:
            async with pool.connection() as conn:
                publish_stats(metrics, await outbox_stats(conn), clock)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox stats failed; trying again")
        await asyncio.sleep(every)
