"""The country risk index survives a scorer restart: the table is rebuilt from its changelog."""

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


def pakistan_indices(bootstrap: str, at_least: int) -> list[CountryRisk]:
    def pak(values: list[bytes]) -> list[CountryRisk]:
        return [r for r in map(CountryRisk.from_bytes, values) if r.country == "PAK"]

    # Each look reads the topic afresh: a reader left waiting at a partition's end on Tansu
    # may not see what is appended later (its end offsets are under-reported).
    found: list[CountryRisk] = []

    def enough() -> bool:
        nonlocal found
        found = pak(asyncio.run(read_until(bootstrap, COUNTRY_RISK.name,
                                           lambda vs: len(pak(vs)) >= at_least, timeout=5)))
        return len(found) >= at_least

    wait_for(enough, timeout=90, interval=0.5)
    return found


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
        before = pakistan_indices(kafka, at_least=1)
        assert before, first.log_tail(30)
        # Wait until all three events are in the index before stopping.
        before = pakistan_indices(kafka, at_least=len(before))
    finally:
        first.stop(timeout=20)
    counted = max(r.event_count for r in before)
    assert counted >= 1

    second = scorer(kafka, app_id, tmp_path / "b", logs)  # fresh data dir: only the changelog
    try:
        asyncio.run(produce(kafka, [attack(3)]))
        after = pakistan_indices(kafka, at_least=len(before) + 1)
    finally:
        second.stop(timeout=20)
    latest = after[-1]
    assert latest.event_count > counted, "the restarted scorer lost the country's state"
    assert latest.structural is not None and latest.structural.political is not None
