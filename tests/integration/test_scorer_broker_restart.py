"""The scorer rides out a broker restart that lost everything (Tansu ``memory://``): it does not
die with Faust's ConsistencyError, its country-index table starts again from the empty changelog
(services/scorer/lost_changelog.py), its partitions start again from the beginning, and events
sent afterwards are scored — by the same process, without a restart.
"""

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
from shared.schemas import CountryRisk, RawEvent, ScoredEvent
from shared.topics import COUNTRY_RISK, RAW_EVENTS, SCORED_EVENTS
from tests.integration.conftest import start_memory_tansu, start_service
from tests.integration.kafka_reader import read_until, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def broker_port() -> Iterator[int]:
    yield free_port()


def attacks(run: str, count: int) -> list[RawEvent]:
    now = datetime.now(UTC)
    return [RawEvent(id=event_id(run, str(n)), kind="news", source=run,
                     title=f"Militants attack convoy in Balochistan, Pakistan; {n + 3} killed",
                     published_at=now, fetched_at=now) for n in range(count)]


async def produce(bootstrap: str, events: list[RawEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(RAW_EVENTS.name, event.to_bytes(), key=event.id.encode())
    finally:
        await producer.stop()


def scored(bootstrap: str, ids: set[str], timeout: float) -> set[str]:
    """The ids among ``ids`` on the scored topic, once all are there (or after ``timeout``);
    each look reads the topic afresh (Tansu's end offsets are not to be trusted)."""
    found: set[str] = set()

    def look() -> bool:
        nonlocal found
        values = asyncio.run(read_until(bootstrap, SCORED_EVENTS.name, lambda vs: False, 2))
        found = {e.id for e in map(ScoredEvent.from_bytes, values)} & ids
        return found == ids

    wait_for(look, timeout=timeout, interval=1)
    return found


def pakistan_counts(bootstrap: str) -> list[float]:
    values = asyncio.run(read_until(bootstrap, COUNTRY_RISK.name, lambda vs: False, 3))
    return [r.event_count for r in map(CountryRisk.from_bytes, values) if r.country == "PAK"]


def start_scorer(bootstrap: str, app_id: str, data: Path, logs: Path) -> tuple[Child, int]:
    port = free_port()
    return start_service("scorer", {
        "BRISK_KAFKA_BOOTSTRAP": bootstrap, "BRISK_SCORER_APP_ID": app_id,
        "BRISK_SCORER_PORT": str(port), "BRISK_SCORER_DATA_DIR": str(data),
        "BRISK_SCORER_BATCH_SECONDS": "0.05", "BRISK_SCORER_STORIES_CATCH_UP_SECONDS": "2"},
        logs), port


def test_the_scorer_carries_on_after_the_broker_restarts_empty(
    broker_port: int, logs: Path, tmp_path: Path
) -> None:
    bootstrap = f"127.0.0.1:{broker_port}"
    app_id = f"restart-{uuid.uuid4().hex[:6]}"
    broker = start_memory_tansu(broker_port, logs)
    scorer, port = start_scorer(bootstrap, app_id, tmp_path / "first", logs)
    try:
        assert wait_for(http_ok(f"http://127.0.0.1:{port}/ready"), timeout=90), scorer.log_tail()
        before = attacks("before", 5)
        asyncio.run(produce(bootstrap, before))
        assert scored(bootstrap, {e.id for e in before}, 60) == {e.id for e in before}, (
            scorer.log_tail(30))
        assert wait_for(lambda: max(pakistan_counts(bootstrap), default=0) >= 5, timeout=60)
    finally:
        scorer.stop(timeout=20)
    # A worker that recovered the table from a changelog with records in it: the case that
    # died with ConsistencyError ("persisted offset ... > -1") once the broker lost them.
    scorer, port = start_scorer(bootstrap, app_id, tmp_path / "second", logs)
    ready = http_ok(f"http://127.0.0.1:{port}/ready")
    try:
        assert wait_for(ready, timeout=90), scorer.log_tail(30)

        broker.stop(timeout=10)
        assert wait_for(lambda: not ready(), timeout=30), "/ready still 200 without a broker"
        broker = start_memory_tansu(broker_port, logs)

        after = attacks("after", 5)
        asyncio.run(produce(bootstrap, after))
        got = scored(bootstrap, {e.id for e in after}, 120)
        assert scorer.alive(), "the scorer exited:\n" + scorer.log_tail(40)
        assert got == {e.id for e in after}, scorer.log_tail(40)
        assert wait_for(ready, timeout=60), scorer.log_tail(30)
        # The index starts again with the new broker: it counts the new events, not the old.
        assert wait_for(lambda: max(pakistan_counts(bootstrap), default=0) >= 5, timeout=60)
        assert max(pakistan_counts(bootstrap)) < 10, "the table kept what the broker lost"
    finally:
        scorer.stop(timeout=20)
        broker.stop(timeout=10)
