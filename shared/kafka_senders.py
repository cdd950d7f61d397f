"""Publish a contract to its topic and wait for the broker's acknowledgement."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaProducer, ConsumerRecord

from shared.clock import Clock
from shared.dlq import dead_letter
from shared.schemas import Contract, DeadLetter
from shared.topics import DEAD_LETTER, Topic


async def send_contract(
    producer: AIOKafkaProducer, topic: Topic, key: str, value: Contract
) -> None:
    await producer.send_and_wait(topic.name, value.to_bytes(), key=key.encode())


async def send_contracts(
    producer: AIOKafkaProducer, topic: Topic, items: Sequence[tuple[str, Contract]]
) -> None:
    """Send every (key, value) in order and return once the broker has them all. Enqueued
    together, they travel in the producer's batches: awaiting each send before the next cost
    a linger and a round trip per record, which held the alerts service to a few hundred
    changes a second. Order per key holds (one partition, batches delivered in order)."""
    sent = [await producer.send(topic.name, value.to_bytes(), key=key.encode())
            for key, value in items]
    await asyncio.gather(*sent)


async def send_dead_letter(producer: AIOKafkaProducer, letter: DeadLetter) -> None:
    await send_contract(producer, DEAD_LETTER, letter.source, letter)


def dead_letter_failures(
    producer: AIOKafkaProducer, service: str, clock: Clock
) -> Callable[[ConsumerRecord, str], Awaitable[None]]:
    """An ``on_failure`` for ``run_consumer``: the message, untouched, to the dead-letter topic."""

    async def on_failure(record: ConsumerRecord, reason: str) -> None:
        await send_dead_letter(producer, dead_letter(
            service=service, stage="handle", source=record.topic, payload=record.value or b"",
            reason=reason, now=clock(), topic=record.topic, partition=record.partition,
            offset=record.offset,
        ))

    return on_failure
