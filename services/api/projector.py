"""Scored events from Kafka → the Redis read model; invalid messages → dead-letter topic."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiokafka import ConsumerRecord

from services.api.metrics import ApiMetrics
from services.api.store import EventStore
from shared.clock import Clock
from shared.dlq import decode_or_dead_letter
from shared.schemas import DeadLetter, ScoredEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventProjector:
    store: EventStore
    publish_dead_letter: Callable[[DeadLetter], Awaitable[None]]
    metrics: ApiMetrics
    clock: Clock

    async def handle(self, record: ConsumerRecord) -> None:
        decoded = decode_or_dead_letter(
            ScoredEvent, record.value, service="api", now=self.clock(), topic=record.topic,
            partition=record.partition, offset=record.offset,
        )
        if isinstance(decoded, DeadLetter):
            self.metrics.invalid.inc()
            log.warning("refused scored event", extra={"reason": decoded.reason})
            await self.publish_dead_letter(decoded)
            return
        await self.store.add(decoded)
        self.metrics.projected.inc()
