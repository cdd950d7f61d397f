from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition

from shared.consume_loop import run_consumer

TP = TopicPartition("brisk.events.scored", 0)


def record(offset: int, value: bytes) -> ConsumerRecord:
    return ConsumerRecord(topic=TP.topic, partition=0, offset=offset, timestamp=0,
                          timestamp_type=0, key=None, value=value, checksum=None,
                          serialized_key_size=0, serialized_value_size=len(value), headers=())


class ScriptedConsumer:
    """Hands out the scripted batches, then nothing; records commits and seeks."""

    def __init__(self, *batches: list[ConsumerRecord]) -> None:
        self.batches = list(batches)
        self.commits = 0
        self.seeks: list[tuple[TopicPartition, int]] = []

    async def getmany(self, **_: Any) -> dict[TopicPartition, list[ConsumerRecord]]:
        if self.batches:
            return {TP: self.batches.pop(0)}
        await asyncio.sleep(0.01)
        return {}

    async def commit(self) -> None:
        self.commits += 1

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append((tp, offset))


async def run_briefly(consumer: ScriptedConsumer, **kwargs: Any) -> None:
    task = asyncio.create_task(run_consumer(consumer, **kwargs))
    await asyncio.sleep(0.2)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_message_that_breaks_its_handler_is_dead_lettered_and_the_loop_goes_on() -> None:
    handled: list[bytes] = []
    failed: list[tuple[bytes, str]] = []

    async def handle(r: ConsumerRecord) -> None:
        if r.value == b"boom":
            raise KeyError("surprise")
        handled.append(r.value)

    async def on_failure(r: ConsumerRecord, reason: str) -> None:
        failed.append((r.value, reason))

    consumer = ScriptedConsumer([record(0, b"a"), record(1, b"boom"), record(2, b"b")])
    await run_briefly(consumer, handle=handle, transient=(ConnectionError,),
                      on_failure=on_failure)
    assert handled == [b"a", b"b"]
    assert failed == [(b"boom", "KeyError: 'surprise'")]
    assert consumer.commits == 1


async def test_a_transient_failure_rewinds_and_retries_the_batch() -> None:
    attempts: list[int] = []

    async def handle(r: ConsumerRecord) -> None:
        attempts.append(r.offset)
        if len(attempts) == 2:
            raise ConnectionError("redis went away")

    async def on_failure(r: ConsumerRecord, reason: str) -> None:
        raise AssertionError("transient errors are retried, not dead-lettered")

    batch = [record(5, b"x"), record(6, b"y")]
    consumer = ScriptedConsumer(batch, batch)  # the broker redelivers after the seek
    await run_briefly(consumer, handle=handle, transient=(ConnectionError,),
                      on_failure=on_failure, retry_pause=0.01)
    assert consumer.seeks == [(TP, 5)]
    assert attempts == [5, 6, 5, 6]
    assert consumer.commits == 1
