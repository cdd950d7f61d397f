"""What the consumer does with what it reads: match each record against every tenant's rules and
record what fired or cleared.

``brisk.events.scored`` feeds the event, watchlist and exposure rules; ``brisk.country-risk`` the
country_index and spike rules. A consumed batch (``handle_batch``, from
``shared.consume_loop.run_batch_consumer``) is recorded per tenant in a transaction (or a few,
``DECISIONS_PER_TRANSACTION``), the tenants side by side: a commit per tenant per event was what
held the intake to ~90 events/s. Each tenant's decisions keep the records' order, so one
alert's events are recorded as they came. A malformed record is dead-lettered with its bytes
and the reason; the records beside it go on. What was recorded is published on ``brisk.alerts``
after its commit, and ``wake`` tells the flusher there may be groups due now.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiokafka import ConsumerRecord
from psycopg.errors import DeadlockDetected, SerializationFailure
from psycopg_pool import AsyncConnectionPool

from services.alerts import recorder
from services.alerts.index_history import IndexHistory
from services.alerts.metrics import AlertsMetrics
from services.alerts.recorder import Decision
from services.alerts.stages.match import Fire, IndexSample, match_country, match_event
from services.alerts.tenant_cache import TenantCache, TenantState
from shared.clock import Clock
from shared.dlq import decode_or_dead_letter
from shared.schemas import RISK_CATEGORIES, AlertChange, CountryRisk, DeadLetter, ScoredEvent
from shared.topics import COUNTRY_RISK

log = logging.getLogger(__name__)

INDEX_CATEGORIES = (*RISK_CATEGORIES, "overall")
# Tenants recorded at once, each on its own pooled connection (the flusher needs the rest).
TENANT_CONCURRENCY = 4
# Decisions per transaction. Its row locks are held until it commits, and another worker (or
# the flusher) that meets one of its alerts waits that long: 100 decisions keep the wait near
# 100 ms when a backlog brings 500-record batches, while a commit still carries many events (a
# commit per event per tenant held the intake to ~90 events/s).
DECISIONS_PER_TRANSACTION = 100
DEADLOCK_ATTEMPTS = 3


@dataclass(frozen=True)
class AlertIntake:
    """``publish`` sends the changes in their order and returns once the broker has them all;
    it should hand them all to the producer before waiting (a batch brings hundreds).
    ``wake``: called after a commit that recorded any change (the flusher's ``wake``)."""

    pool: AsyncConnectionPool
    tenants: TenantCache
    index_history: IndexHistory
    publish: Callable[[Sequence[AlertChange]], Awaitable[None]]
    publish_dead_letter: Callable[[DeadLetter], Awaitable[None]]
    metrics: AlertsMetrics
    clock: Clock
    wake: Callable[[], None] | None = None
    tenant_concurrency: int = TENANT_CONCURRENCY
    decisions_per_transaction: int = DECISIONS_PER_TRANSACTION

    async def handle(self, record: ConsumerRecord) -> None:
        """One record: a batch of one."""
        await self.handle_batch([record])

    async def handle_batch(self, records: Sequence[ConsumerRecord]) -> None:
        """Records in their order (each partition's in offset order). Returns once every
        tenant's decisions about them are committed and published; raises the first failure
        after every tenant's transactions have ended."""
        decided: dict[str, list[Decision]] = {}
        tenants = self.tenants.all()
        for record in records:
            decoded = await self._decode(record)
            if isinstance(decoded, CountryRisk):
                decisions = await self._on_country_risk(tenants, decoded)
            elif isinstance(decoded, ScoredEvent):
                decisions = self._on_event(tenants, decoded)
            else:
                continue
            for name, made in decisions.items():
                decided.setdefault(name, []).extend(made)
        by_name = {t.name: t for t in tenants}
        limit = asyncio.Semaphore(self.tenant_concurrency)

        async def one(name: str, decisions: list[Decision]) -> None:
            async with limit:
                await self._record(by_name[name], decisions)

        # Every tenant's transaction has ended before a failure goes up: the batch may be
        # retried at once, and must not meet a transaction of its own still under way.
        outcomes = await asyncio.gather(*(one(name, made) for name, made in decided.items()),
                                        return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _decode(self, record: ConsumerRecord) -> CountryRisk | ScoredEvent | None:
        """The record's contract, or None once it was dead-lettered."""
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
            return None
        return decoded

    def _on_event(self, tenants: Sequence[TenantState],
                  event: ScoredEvent) -> dict[str, list[Decision]]:
        now = self.clock()
        decided: dict[str, list[Decision]] = {}
        for tenant in tenants:
            fired = match_event(tenant.name, tenant.config, event, now)
            if fired:
                decided[tenant.name] = [Decision(Fire(alert), now) for alert in fired]
        return decided

    async def _on_country_risk(self, tenants: Sequence[TenantState],
                               risk: CountryRisk) -> dict[str, list[Decision]]:
        now = self.clock()
        samples: dict[str, list[IndexSample]] = {}
        if any(r.kind == "country_index" and r.rise is not None
               for t in tenants for r in t.config.rules):
            for category in INDEX_CATEGORIES:
                value = risk.overall if category == "overall" else getattr(risk.index, category)
                samples[category] = await self.index_history.add(
                    risk.country, category, IndexSample(at=risk.updated_at, value=value))
        decided: dict[str, list[Decision]] = {}
        for tenant in tenants:
            decisions = match_country(tenant.name, tenant.config, risk, samples, now)
            if decisions:
                decided[tenant.name] = [Decision(d, now) for d in decisions]
        return decided

    async def _record(self, tenant: TenantState, decisions: Sequence[Decision]) -> None:
        """The tenant's decisions in order, a transaction per ``decisions_per_transaction``,
        ``wake`` after each commit that changed something. What was committed is published
        even when a later transaction fails: its redelivery will find nothing new to publish."""
        committed: list[AlertChange] = []
        size = self.decisions_per_transaction
        try:
            for start in range(0, len(decisions), size):
                written = await self._transaction(tenant, decisions[start:start + size])
                for made in written:
                    self._count(made)
                changes = [change for made in written for change in made]
                committed.extend(changes)
                if changes and self.wake is not None:
                    self.wake()
        except Exception:
            if committed:
                await self.publish(committed)
            raise
        if committed:
            await self.publish(committed)

    async def _transaction(self, tenant: TenantState,
                           decisions: Sequence[Decision]) -> list[list[AlertChange]]:
        """One transaction, run again at once when PostgreSQL chose it as a deadlock's victim
        (it was rolled back whole; another worker or the flusher took the same rows in another
        order). Going up as an outage instead would pause the consumer and redo the batch."""
        for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
            try:
                async with self.pool.connection() as conn, conn.transaction():
                    return await recorder.record(conn, tenant, decisions)
            except (DeadlockDetected, SerializationFailure):
                if attempt == DEADLOCK_ATTEMPTS:
                    raise
                log.info("transaction chosen as a deadlock victim; running it again",
                         extra={"tenant": tenant.name, "attempt": attempt})
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _count(self, changes: Sequence[AlertChange]) -> None:
        if not changes:
            self.metrics.duplicates.inc()
        for change in changes:
            if change.change in ("fired", "refired") and change.alert is not None:
                self.metrics.fired.labels(change.alert.kind).inc()
            elif change.change == "resolved":
                self.metrics.resolved.inc()
