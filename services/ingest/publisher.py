"""Where ingest's output goes: RawEvents to their topic, refusals to the dead-letter topic."""

from __future__ import annotations

from typing import Protocol

from aiokafka import AIOKafkaProducer

from shared.schemas import DeadLetter, RawEvent
from shared.topics import DEAD_LETTER, RAW_EVENTS


class Publisher(Protocol):
    async def publish(self, events: list[RawEvent], dead_letters: list[DeadLetter]) -> None:
        """Deliver everything or raise; the caller does not mark a document done on failure."""
        ...


class KafkaPublisher:
    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer

    async def publish(self, events: list[RawEvent], dead_letters: list[DeadLetter]) -> None:
        futures = [
            await self.producer.send(RAW_EVENTS.name, e.to_bytes(), key=e.id.encode())
            for e in events
        ]
        futures += [
            await self.producer.send(DEAD_LETTER.name, d.to_bytes(), key=d.source.encode())
            for d in dead_letters
        ]
        for future in futures:
            await future
