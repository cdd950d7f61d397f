"""Read a topic from the beginning, without a consumer group, until a condition holds."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition


@asynccontextmanager
async def from_start(bootstrap: str, topic: str) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer assigned every partition of ``topic``, positioned at the beginning."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p)
                      for p in sorted(consumer.partitions_for_topic(topic) or {0})]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        yield consumer
    finally:
        await consumer.stop()


async def read_all(bootstrap: str, topic: str, idle_ms: int = 1000) -> list[ConsumerRecord]:
    """Every record of ``topic``, read afresh from the start until a poll brings nothing (a
    Tansu reader left waiting at a partition's end may miss later appends: read anew)."""
    async with from_start(bootstrap, topic) as consumer:
        records: list[ConsumerRecord] = []
        while batches := await consumer.getmany(timeout_ms=idle_ms, max_records=5000):
            records += [r for rs in batches.values() for r in rs]
        return records


async def read_until(
    bootstrap: str, topic: str, done: Callable[[list[bytes]], bool], timeout: float
) -> list[bytes]:
    async with from_start(bootstrap, topic) as consumer:
        values: list[bytes] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not done(values):
            batches = await consumer.getmany(timeout_ms=500)
            values += [r.value for records in batches.values() for r in records if r.value]
        return values


def wait_for(check: Callable[[], bool], timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()

