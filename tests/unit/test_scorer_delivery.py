"""A batch's events are acknowledged only after its output was delivered (delivery.py), and a
batch that fails as a whole is tried again before the worker gives up (batch_retry.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter

from services.scorer.batch_retry import retried
from services.scorer.delivery import BatchAcks


class Recorder:
    def __init__(self) -> None:
        self.acked: list[Any] = []
        self.failures: list[BaseException] = []

    async def ack(self, event: Any) -> bool:
        self.acked.append(event)
        return True

    async def fail(self, exc: BaseException) -> None:
        self.failures.append(exc)


async def test_events_are_acknowledged_once_every_record_was_delivered() -> None:
    seen = Recorder()
    acks = BatchAcks(seen.ack, seen.fail)
    loop = asyncio.get_running_loop()
    first, second = loop.create_future(), loop.create_future()
    acks.after([first, None, second], ["e1", "e2"])
    first.set_result("metadata")
    await asyncio.sleep(0.01)
    assert seen.acked == []  # the second record is still on its way
    second.set_result("metadata")
    await acks.drain()
    assert seen.acked == ["e1", "e2"] and seen.failures == []


async def test_a_lost_record_leaves_its_batch_unacknowledged_and_reports_it() -> None:
    seen = Recorder()
    acks = BatchAcks(seen.ack, seen.fail)
    lost: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    acks.after([lost], ["e1", "e2"])
    lost.set_exception(ConnectionError("broker gone"))
    await acks.drain()
    assert seen.acked == []
    assert [type(e) for e in seen.failures] == [ConnectionError]


async def test_a_batch_without_records_to_wait_for_is_acknowledged_at_once() -> None:
    seen = Recorder()
    acks = BatchAcks(seen.ack, seen.fail)
    acks.after([None], ["e1"])
    await acks.drain()
    assert seen.acked == ["e1"]


def counter() -> tuple[Counter, CollectorRegistry]:
    registry = CollectorRegistry()
    return Counter("retries", "test", registry=registry), registry


async def test_a_failed_batch_is_tried_again_with_growing_waits() -> None:
    retries, registry = counter()
    waits: list[float] = []
    calls = 0

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise OSError("broker away")
        return "scored"

    assert await retried(flaky, retries, attempts=3, first_wait=1.0, sleep=sleep) == "scored"
    assert waits == [1.0, 2.0] and registry.get_sample_value("retries_total") == 2


async def test_the_last_failure_is_raised_for_the_worker_to_stop() -> None:
    retries, _ = counter()

    async def broken() -> None:
        raise RuntimeError("a bug")

    async def sleep(seconds: float) -> None:
        return None

    with pytest.raises(RuntimeError, match="a bug"):
        await retried(broken, retries, attempts=2, sleep=sleep)
