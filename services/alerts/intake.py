"""What the consumer does with each record: match it against every tenant's rules and record
what fired or cleared.

``brisk.events.scored`` feeds the event, watchlist and exposure rules; ``brisk.country-risk`` the
country_index and spike rules. A malformed record is dead-lettered with its bytes and the reason;
the records beside it go on. What was recorded is published on ``brisk.alerts`` after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiokafka import ConsumerRecord
from psycopg_pool import AsyncConnectionPool

from services.alerts import recorder
from services.alerts.index_history import IndexHistory
from services.alerts.metrics import AlertsMetrics
from services.alerts.stages.match import Clear, Fire, IndexSample, match_country, match_event
from services.alerts.tenant_cache import TenantCache, TenantState
from shared.clock import Clock
from shared.dlq import decode_or_dead_letter
from shared.schemas import AlertChange, CountryRisk, DeadLetter, ScoredEvent
from shared.topics import COUNTRY_RISK

log = logging.getLogger(__name__)

INDEX_CATEGORIES = ("regulatory", "political", "supply_chain", "overall")


@dataclass(frozen=True)
class AlertIntake:
    pool: AsyncConnectionPool
    tenants: TenantCache
    index_history: IndexHistory
    publish: Callable[[Sequence[AlertChange]], Awaitable[None]]
    publish_dead_letter: Callable[[DeadLetter], Awaitable[None]]
    metrics: AlertsMetrics
    clock: Clock

    async def handle(self, record: ConsumerRecord) -> None:
        self.metrics.consumed.labels(record.topic).inc()
        contract: type[CountryRisk | ScoredEvent] = (
            CountryRisk if record.topic == COUNTRY_RISK.name else ScoredEvent)
        decoded = decode_or_dead_letter(
            contract, record.value, service="alerts", now=self.clock(), topic=record.topic,
            partition=record.partition, offset=record.offset)
        if isinstance(decoded, DeadLetter):
            self.metrics.invalid.inc()
            log.warning("refused record", extra={"topic": record.topic, "reason": decoded.reason})
            await self.publish_dead_letter(decoded)
            return
        if isinstance(decoded, CountryRisk):
            changes = await self.on_country_risk(decoded)
        else:
            assert isinstance(decoded, ScoredEvent)
            changes = await self.on_event(decoded)
        if changes:
            await self.publish(changes)

    async def on_event(self, event: ScoredEvent) -> list[AlertChange]:
        now = self.clock()
        changes: list[AlertChange] = []
        for tenant in self.tenants.all():
            fired = match_event(tenant.name, tenant.config, event, now)
            if not fired:
                continue
            async with self.pool.connection() as conn, conn.transaction():
                for alert in fired:
                    written = await recorder.fire(conn, tenant, alert, now)
                    self._count(written)
                    changes.extend(written)
        return changes

    async def on_country_risk(self, risk: CountryRisk) -> list[AlertChange]:
        now = self.clock()
        samples: dict[str, list[IndexSample]] = {}
        if any(r.kind == "country_index" and r.rise is not None
               for t in self.tenants.all() for r in t.config.rules):
            for category in INDEX_CATEGORIES:
                value = risk.overall if category == "overall" else getattr(risk.index, category)
                samples[category] = await self.index_history.add(
                    risk.country, category, IndexSample(at=risk.updated_at, value=value))
        changes: list[AlertChange] = []
        for tenant in self.tenants.all():
            decisions = match_country(tenant.name, tenant.config, risk, samples, now)
            if decisions:
                changes.extend(await self._apply(tenant, decisions))
        return changes

    async def _apply(self, tenant: TenantState, decisions: Sequence[Fire | Clear]) -> list[AlertChange]:
        now = self.clock()
        changes: list[AlertChange] = []
        async with self.pool.connection() as conn, conn.transaction():
            for decision in decisions:
                if isinstance(decision, Fire):
                    written = await recorder.fire(conn, tenant, decision.alert, now)
                else:
                    written = await recorder.resolve_by_id(conn, tenant, decision.alert_id, now,
                                                           decision.why)
                self._count(written)
                changes.extend(written)
        return changes

    def _count(self, changes: Sequence[AlertChange]) -> None:
        if not changes:
            self.metrics.duplicates.inc()
        for change in changes:
            if change.change in ("fired", "refired") and change.alert is not None:
                self.metrics.fired.labels(change.alert.kind).inc()
            elif change.change == "resolved":
                self.metrics.resolved.inc()
