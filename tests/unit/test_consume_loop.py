from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaConnectionError, MessageSizeTooLargeError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError, ResponseError

from shared.consume_loop import OUTAGES, run_batch_consumer, run_consumer
from shared.dlq import InvalidEvent
from shared.outages import is_outage

TP = TopicPartition("brisk.events.scored", 0)
OTHER = TopicPartition("brisk.events.scored", 1)


def record(offset: int, value: bytes, tp: TopicPartition = TP) -> ConsumerRecord:
    return ConsumerRecord(topic=tp.topic, partition=tp.partition, offset=offset, timestamp=0,
                          timestamp_type=0, key=None, value=value, checksum=None,
                          serialized_key_size=0, serialized_value_size=len(value), headers=())


class ScriptedConsumer:
    """Hands out the scripted batches (or raises scripted errors), then nothing; records commits
    and seeks. ``commit_errors`` are raised by the first commits, one each."""

    def __init__(self, *batches: list[ConsumerRecord] | BaseException,
                 commit_errors: tuple[BaseException, ...] = (),
                 assigned: frozenset[TopicPartition] = frozenset({TP, OTHER})) -> None:
        self.batches = list(batches)
        self.commit_errors = list(commit_errors)
        self.assigned = set(assigned)
        self.commits = 0
        self.seeks: list[tuple[TopicPartition, int]] = []

    async def getmany(self, **_: Any) -> dict[TopicPartition, list[ConsumerRecord]]:
        if self.batches:
            batch = self.batches.pop(0)
            if isinstance(batch, BaseException):
                raise batch
            by_partition: dict[TopicPartition, list[ConsumerRecord]] = {}
            for r in batch:
                by_partition.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
            return by_partition
        await asyncio.sleep(0.01)
        return {}

    async def commit(self) -> None:
        if self.commit_errors:
            raise self.commit_errors.pop(0)
        self.commits += 1

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    def seek(self, tp: TopicPartition, offset: int) -> None:
        assert tp in self.assigned, "aiokafka raises IllegalStateError for an unassigned partition"
        self.seeks.append((tp, offset))


async def run_briefly(consumer: ScriptedConsumer, runner: Any = run_consumer, **kwargs: Any) -> None:
    kwargs.setdefault("transient", OUTAGES)
    kwargs.setdefault("retry_pause", 0.01)
    task = asyncio.create_task(runner(consumer, **kwargs))
    await asyncio.sleep(0.2)
    assert not task.done(), task.exception()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


class Recorder:
    def __init__(self) -> None:
        self.failed: list[tuple[bytes, str]] = []

    async def __call__(self, r: ConsumerRecord, reason: str) -> None:
        self.failed.append((r.value, reason))


async def test_a_message_that_breaks_its_handler_is_dead_lettered_and_the_loop_goes_on() -> None:
    handled: list[bytes] = []
    failed = Recorder()

    async def handle(r: ConsumerRecord) -> None:
        if r.value == b"boom":
            raise KeyError("surprise")
        handled.append(r.value)

    consumer = ScriptedConsumer([record(0, b"a"), record(1, b"boom"), record(2, b"b")])
    await run_briefly(consumer, handle=handle, transient=(ConnectionError,), on_failure=failed)
    assert handled == [b"a", b"b"]
    assert failed.failed == [(b"boom", "KeyError: 'surprise'")]
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
    await run_briefly(consumer, handle=handle, transient=(ConnectionError,), on_failure=on_failure)
    assert consumer.seeks == [(TP, 5)]
    assert attempts == [5, 6, 5, 6]
    assert consumer.commits == 1


@pytest.mark.parametrize("error", [
    MessageSizeTooLargeError("record over max_request_size"),  # a KafkaError, yet incurable
    InvalidEvent("title: missing"),
    ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value"),
], ids=["too-large", "invalid-event", "redis-wrongtype"])
async def test_an_error_no_retry_can_cure_is_dead_lettered_once_not_retried(
    error: Exception,
) -> None:
    calls: list[int] = []
    failed = Recorder()

    async def handle(r: ConsumerRecord) -> None:
        calls.append(r.offset)
        raise error

    consumer = ScriptedConsumer([record(9, b"big")])
    await run_briefly(consumer, handle=handle, on_failure=failed)
    assert calls == [9] and len(failed.failed) == 1
    assert consumer.seeks == [] and consumer.commits == 1


@pytest.mark.parametrize("error", [
    KafkaConnectionError("broker gone"), RedisConnectionError("refused"),
    ReadOnlyError("READONLY You can't write against a read only replica."), OSError("reset"),
], ids=["kafka", "redis", "redis-failover", "network"])
def test_only_broker_and_redis_outages_are_outages(error: Exception) -> None:
    assert is_outage(error)


async def test_an_outage_while_dead_lettering_retries_the_batch() -> None:
    letters: list[int] = []

    async def handle(r: ConsumerRecord) -> None:
        raise InvalidEvent("bad")

    async def on_failure(r: ConsumerRecord, reason: str) -> None:
        letters.append(r.offset)
        if len(letters) == 1:
            raise KafkaConnectionError("broker gone while sending the letter")

    batch = [record(3, b"bad")]
    consumer = ScriptedConsumer(batch, batch)
    await run_briefly(consumer, handle=handle, on_failure=on_failure)
    assert letters == [3, 3] and consumer.seeks == [(TP, 3)] and consumer.commits == 1


async def test_a_failed_commit_after_a_rebalance_seeks_only_partitions_still_assigned() -> None:
    async def handle(r: ConsumerRecord) -> None:
        return None

    consumer = ScriptedConsumer([record(1, b"a", TP), record(4, b"b", OTHER)],
                                commit_errors=(CommitFailedError("group rebalanced"),),
                                assigned=frozenset({OTHER}))
    await run_briefly(consumer, handle=handle, on_failure=Recorder())
    assert consumer.seeks == [(OTHER, 4)]


async def test_a_fetch_error_during_an_outage_does_not_end_the_loop() -> None:
    seen: list[int] = []

    async def handle(r: ConsumerRecord) -> None:
        seen.append(r.offset)

    consumer = ScriptedConsumer(KafkaConnectionError("broker restarting"), [record(0, b"a")])
    await run_briefly(consumer, handle=handle, on_failure=Recorder())
    assert seen == [0] and consumer.commits == 1


async def test_an_outage_in_one_partition_stops_the_others_before_the_rewind() -> None:
    started: list[int] = []

    async def handle(r: ConsumerRecord) -> None:
        started.append(r.offset)
        if r.partition == 0:
            raise KafkaConnectionError("gone")
        await asyncio.sleep(0.05)

    slow = [record(10, b"x", OTHER), record(11, b"y", OTHER)]
    consumer = ScriptedConsumer([record(0, b"a", TP), *slow])
    await run_briefly(consumer, handle=handle, on_failure=Recorder())
    assert 11 not in started  # partition 1 was cancelled during offset 10, not run on


async def test_a_batch_handler_gets_each_batch_whole_each_partition_in_order() -> None:
    batches: list[list[tuple[int, int]]] = []

    async def handle(records: Sequence[ConsumerRecord]) -> None:
        batches.append([(r.partition, r.offset) for r in records])

    consumer = ScriptedConsumer([record(0, b"a"), record(7, b"x", OTHER), record(1, b"b"),
                                 record(8, b"y", OTHER)])
    await run_briefly(consumer, run_batch_consumer, handle=handle, on_failure=Recorder())
    [batch] = batches
    assert [o for p, o in batch if p == 0] == [0, 1] and [o for p, o in batch if p == 1] == [7, 8]
    assert consumer.commits == 1


async def test_a_batch_that_breaks_is_handled_again_record_by_record_and_only_the_culprit_dead_lettered(
) -> None:
    handled: list[bytes] = []
    failed = Recorder()

    async def handle(records: Sequence[ConsumerRecord]) -> None:
        if any(r.value == b"boom" for r in records):
            raise KeyError("surprise")
        handled.extend(r.value for r in records)

    consumer = ScriptedConsumer([record(0, b"a"), record(1, b"boom"), record(2, b"b")])
    await run_briefly(consumer, run_batch_consumer, handle=handle, on_failure=failed)
    assert handled == [b"a", b"b"]
    assert failed.failed == [(b"boom", "KeyError: 'surprise'")]
    assert consumer.seeks == [] and consumer.commits == 1


async def test_an_outage_in_a_batch_rewinds_it_and_retries_it_whole() -> None:
    calls: list[list[int]] = []

    async def handle(records: Sequence[ConsumerRecord]) -> None:
        calls.append([r.offset for r in records])
        if len(calls) == 1:
            raise KafkaConnectionError("broker gone")

    async def on_failure(r: ConsumerRecord, reason: str) -> None:
        raise AssertionError("outages are retried, not dead-lettered")

    batch = [record(5, b"x"), record(6, b"y")]
    consumer = ScriptedConsumer(batch, batch)
    await run_briefly(consumer, run_batch_consumer, handle=handle, on_failure=on_failure)
    assert calls == [[5, 6], [5, 6]] and consumer.seeks == [(TP, 5)] and consumer.commits == 1
