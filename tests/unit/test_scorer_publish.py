"""The scorer's publisher hands records to the producer and counts what was not delivered."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from services.scorer.publish import producer_publisher


class Producer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes]] = []
        self.futures: list[asyncio.Future[Any]] = []

    async def send(self, topic: str, key: bytes | None, value: bytes, partition: int | None,
                   timestamp: float | None, headers: Any) -> asyncio.Future[Any]:
        self.sent.append((topic, key, value))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.futures.append(future)
        return future


class App:
    def __init__(self) -> None:
        self.producer = Producer()


async def test_records_go_to_the_producer_and_failed_deliveries_are_counted() -> None:
    app = App()
    registry = CollectorRegistry()
    failures = Counter("failures", "test", registry=registry)
    publish = producer_publisher(app, failures)

    await publish("brisk.events.scored", b"k1", b"v1")
    await publish("brisk.deadletter", None, b"v2")
    assert app.producer.sent == [("brisk.events.scored", b"k1", b"v1"), ("brisk.deadletter", None, b"v2")]

    delivered, lost = app.producer.futures
    delivered.set_result("metadata")
    lost.set_exception(ConnectionError("broker gone"))
    await asyncio.sleep(0)  # done-callbacks run on the next loop turn
    assert registry.get_sample_value("failures_total") == 1
