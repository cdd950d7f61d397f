"""The country risk index survives a scorer restart: the table is rebuilt from its changelog."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from brisk.ports import free_port
from brisk.processes import Child
from shared.ids import event_id
from shared.schemas import CountryRisk, RawEvent
from shared.topics import COUNTRY_RISK, RAW_EVENTS
from tests.integration.conftest import start_service, tansu_broker
from tests.integration.kafka_reader import read_until, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def kafka(logs: Path) -> Iterator[str]:
    with tansu_broker(logs) as bootstrap:
        yield bootstrap


def attack(n: int) -> bytes:
    now = datetime.now(UTC)
    return RawEvent(id=event_id("recovery", str(n)), kind="news", source="recovery",
                    title=f"Militants attack convoy in Balochistan, Pakistan; {n + 2} killed",
                    published_at=now, fetched_at=now).to_bytes()


async def produce(bootstrap: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(RAW_EVENTS.name, value)
    finally:
        await producer.stop()


def pakistan_indices(bootstrap: str, done: Callable[[list[CountryRisk]], bool]) -> list[CountryRisk]:
    """The PAK records of the risk topic, once ``done`` holds for them (or after 90 s).

    Each look reads the topic afresh, and ``done`` asks for content, never a number of records:
    on Tansu a reader waiting at a partition's end may miss what is appended later, or be reset
    to the start and read records twice (its end offsets are under-reported)."""

    def pak(values: list[bytes]) -> list[CountryRisk]:
        return [r for r in map(CountryRisk.from_bytes, values) if r.country == "PAK"]

    found: list[CountryRisk] = []

    def look() -> bool:
        nonlocal found
        found = pak(asyncio.run(read_until(bootstrap, COUNTRY_RISK.name,
                                           lambda vs: done(pak(vs)), timeout=5)))
        return done(found)

    wait_for(look, timeout=90, interval=0.5)
    return found


def counted(records: list[CountryRisk]) -> int:
    return max((r.event_count for r in records), default=0)


def scorer(kafka: str, app_id: str, data: Path, logs: Path) -> Child:
    return start_service("scorer", {
        "BRISK_KAFKA_BOOTSTRAP": kafka, "BRISK_SCORER_APP_ID": app_id,
        "BRISK_SCORER_PORT": str(free_port()), "BRISK_SCORER_DATA_DIR": str(data),
        "BRISK_SCORER_BATCH_SECONDS": "0.05"}, logs)


def test_the_index_keeps_counting_after_a_restart(kafka: str, logs: Path, tmp_path: Path) -> None:
    app_id = f"recovery-{uuid.uuid4().hex[:6]}"
    first = scorer(kafka, app_id, tmp_path / "a", logs)
    try:
        asyncio.run(produce(kafka, [attack(0), attack(1), attack(2)]))
        # All three events in the index before the stop.
        before = pakistan_indices(kafka, lambda rs: counted(rs) >= 3)
        assert counted(before) == 3, first.log_tail(30)
    finally:
        first.stop(timeout=20)

    second = scorer(kafka, app_id, tmp_path / "b", logs)  # fresh data dir: only the changelog
    try:
        asyncio.run(produce(kafka, [attack(3)]))
        # A scorer that lost the state would count the fourth event as its first.
        after = pakistan_indices(kafka, lambda rs: counted(rs) > 3)
    finally:
        second.stop(timeout=20)
    assert counted(after) == 4, "the restarted scorer lost the country's state"
    latest = max(after, key=lambda r: r.event_count)
    assert latest.structural is not None and latest.structural.political is not None
