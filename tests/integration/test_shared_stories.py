"""Two scorer workers share story clusters: one story stays one cluster whichever worker scores
its reports, and a restarted worker gets the stories back (services/scorer/stories.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from brisk.ports import free_port
from brisk.processes import Child
from brisk.stack import http_ok
from shared.ids import event_id
from shared.schemas import RawEvent, ScoredEvent
from shared.topics import RAW_EVENTS, SCORED_EVENTS
from tests.integration.conftest import start_service, tansu_broker
from tests.integration.kafka_reader import read_until, wait_for

pytestmark = pytest.mark.integration

HEADLINES = [
    "Pakistan floods kill 20 in Sindh province",
    "UPDATE 2-Pakistan floods kill 20 in Sindh province - Reuters",
    "Floods kill 20 in Pakistan's Sindh province",
    "Pakistan: floods kill 20 in Sindh province, officials say",
]


@pytest.fixture(scope="module")
def kafka(logs: Path) -> Iterator[str]:
    with tansu_broker(logs) as bootstrap:
        yield bootstrap


def report(n: int, source: str) -> RawEvent:
    now = datetime.now(UTC)
    return RawEvent(id=event_id(source, f"floods-{n}"), kind="news", source=source,
                    title=HEADLINES[n % len(HEADLINES)], published_at=now, fetched_at=now)


async def produce(bootstrap: str, events: list[tuple[RawEvent, int]]) -> None:
    """Each event to the partition given: the reports land on both workers."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for event, partition in events:
            await producer.send_and_wait(RAW_EVENTS.name, event.to_bytes(), partition=partition,
                                         key=event.id.encode())
    finally:
        await producer.stop()


def scored(bootstrap: str, ids: set[str]) -> dict[str, ScoredEvent]:
    def mine(values: list[bytes]) -> dict[str, ScoredEvent]:
        events = (ScoredEvent.from_bytes(v) for v in values)
        return {e.id: e for e in events if e.id in ids}

    values = asyncio.run(read_until(bootstrap, SCORED_EVENTS.name,
                                    lambda vs: len(mine(vs)) == len(ids), timeout=90))
    return mine(values)


def ready(port: int) -> bool:
    """The worker has its partitions and is not rebalancing."""
    return http_ok(f"http://127.0.0.1:{port}/ready")()


def worker(kafka: str, app_id: str, data: Path, logs: Path) -> tuple[Child, int]:
    port = free_port()
    child = start_service("scorer", {
        "BRISK_KAFKA_BOOTSTRAP": kafka, "BRISK_SCORER_APP_ID": app_id,
        "BRISK_SCORER_PORT": str(port), "BRISK_SCORER_DATA_DIR": str(data),
        "BRISK_SCORER_BATCH_SECONDS": "0.05"}, logs)
    return child, port


def test_one_story_is_one_cluster_across_workers_and_restarts(
    kafka: str, logs: Path, tmp_path: Path
) -> None:
    app_id = f"stories-{uuid.uuid4().hex[:6]}"
    one, one_port = worker(kafka, app_id, tmp_path / "one", logs)
    two, two_port = worker(kafka, app_id, tmp_path / "two", logs)
    three: Child | None = None
    try:
        assert wait_for(lambda: ready(one_port) and ready(two_port), timeout=90), (
            one.log_tail(20) + two.log_tail(20))
        first = report(0, "dawn")
        asyncio.run(produce(kafka, [(first, 0)]))
        founder = scored(kafka, {first.id})[first.id]
        story = founder.cluster_id
        assert story
        asyncio.run(asyncio.sleep(2))  # the founding note reaches the other worker

        # One report of the story on every partition: both workers score some.
        copies = [(report(n, source), n) for n, source in enumerate(
            ("reuters", "geo", "express-tribune", "xinhua"))]
        asyncio.run(produce(kafka, copies))
        got = scored(kafka, {event.id for event, _ in copies})
        assert {e.cluster_id for e in got.values()} == {story}
        # Corroboration counts the other worker's sources too.
        assert min(e.confidence for e in got.values()) > founder.confidence

        # A worker restarts with an empty data dir; the story is still the same cluster.
        one.stop(timeout=20)
        three, three_port = worker(kafka, app_id, tmp_path / "three", logs)
        assert wait_for(lambda: ready(three_port) and ready(two_port), timeout=90), (
            three.log_tail(20))
        later = [(report(n, f"late-{n}"), n) for n in range(4)]
        asyncio.run(produce(kafka, later))
        got = scored(kafka, {event.id for event, _ in later})
        assert {e.cluster_id for e in got.values()} == {story}, three.log_tail(30)
    finally:
        for child in (one, two, three):
            if child is not None:
                child.stop(timeout=20)
