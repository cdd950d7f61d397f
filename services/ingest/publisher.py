"""Where ingest's output goes: RawEvents to their topic, refusals to the dead-letter topic.

``publish`` returns only once the broker has acknowledged every record (the producer sends with
``acks=all``), because the caller marks the events seen right after: an event marked seen must
be on the topic. It gives up after ``timeout_seconds`` — a dead broker must turn into a 503 for
a partner, or a backoff for a feed, within seconds, not after the producer's own 30 s request
timeout (or a hang while it waits for metadata).
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from services.ingest.failures import PublishRefused, PublishUnavailable, kafka_error_is_transient
from shared.schemas import DeadLetter, RawEvent
from shared.topics import DEAD_LETTER, RAW_EVENTS

DEFAULT_TIMEOUT_SECONDS = 10.0


class Publisher(Protocol):
    async def publish(self, events: list[RawEvent], dead_letters: list[DeadLetter]) -> None:
        """Deliver everything or raise; the caller does not mark a document done on failure.

        Raises ``PublishUnavailable`` when a retry may succeed, ``PublishRefused`` when not.
        """
        ...


def _retrieve(future: asyncio.Future[object]) -> None:
    """Consume a delivery's outcome nobody awaits any more (after a timeout), so asyncio does
    not log "exception was never retrieved" for each record of a batch that timed out."""
    if not future.cancelled():
        future.exception()


class KafkaPublisher:
    def __init__(
        self, producer: AIOKafkaProducer, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    ) -> None:
        self.producer = producer
        self.timeout_seconds = timeout_seconds

    async def publish(self, events: list[RawEvent], dead_letters: list[DeadLetter]) -> None:
        try:
            async with asyncio.timeout(self.timeout_seconds):
                await self._send_all(events, dead_letters)
        except TimeoutError:
            raise PublishUnavailable(
                f"the broker did not acknowledge within {self.timeout_seconds:g} s") from None
        except KafkaError as exc:
            if kafka_error_is_transient(exc):
                raise PublishUnavailable(f"the broker is unavailable: {exc!r}") from exc
            raise PublishRefused(f"the broker refused the records: {exc!r}") from exc

    async def _send_all(self, events: list[RawEvent], dead_letters: list[DeadLetter]) -> None:
        records = [(RAW_EVENTS.name, e.to_bytes(), e.id.encode()) for e in events]
        records += [(DEAD_LETTER.name, d.to_bytes(), d.source.encode()) for d in dead_letters]
        futures: list[asyncio.Future[object]] = []
        try:
            for topic, value, key in records:
                futures.append(await self.producer.send(topic, value, key=key))
            for future in futures:
                await future
        finally:
            for future in futures:
                future.add_done_callback(_retrieve)
