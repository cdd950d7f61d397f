"""Scored events and country indices from Kafka → the Redis read model; invalid → dead letters."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiokafka import ConsumerRecord

from services.api.country_store import CountryStore
from services.api.metrics import ApiMetrics
from services.api.store import EventStore
from shared.clock import Clock
from shared.dlq import decode_or_dead_letter
from shared.schemas import CountryRisk, DeadLetter, ScoredEvent
from shared.topics import COUNTRY_RISK

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventProjector:
    """Scored events and country indices from Kafka into the API's read model."""

    store: EventStore
    countries: CountryStore
    publish_dead_letter: Callable[[DeadLetter], Awaitable[None]]
    metrics: ApiMetrics
    clock: Clock

    async def handle(self, record: ConsumerRecord) -> None:
        model: type[ScoredEvent] | type[CountryRisk] = (
            CountryRisk if record.topic == COUNTRY_RISK.name else ScoredEvent)
        decoded = decode_or_dead_letter(
            model, record.value, service="api", now=self.clock(), topic=record.topic,
            partition=record.partition, offset=record.offset,
        )
        if isinstance(decoded, DeadLetter):
            self.metrics.invalid.inc()
            log.warning("refused message", extra={"topic": record.topic, "reason": decoded.reason})
            await self.publish_dead_letter(decoded)
        elif isinstance(decoded, CountryRisk):
            await self.countries.put(decoded)
            self.metrics.projected.inc()
        else:
            await self.store.add(decoded)
            self.metrics.projected.inc()
