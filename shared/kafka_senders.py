"""Publish a contract to its topic and wait for the broker's acknowledgement."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from shared.schemas import Contract, DeadLetter
from shared.topics import DEAD_LETTER, Topic


async def send_contract(
    producer: AIOKafkaProducer, topic: Topic, key: str, value: Contract
) -> None:
    await producer.send_and_wait(topic.name, value.to_bytes(), key=key.encode())


async def send_dead_letter(producer: AIOKafkaProducer, letter: DeadLetter) -> None:
    await send_contract(producer, DEAD_LETTER, letter.source, letter)
