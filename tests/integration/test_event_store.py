"""The API's read model against a real Valkey."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from services.api.store import RedisEventStore
from shared.schemas import ScoredEvent
from tests.strategies import sample_raw

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def scored(i: int) -> ScoredEvent:
    raw = sample_raw(id=f"{i:032x}", published_at=NOW - timedelta(minutes=i))
    return ScoredEvent.from_raw(raw, scores={}, severity=0, confidence=0.5, category="none",
                                scored_at=NOW, scorer_version="test")


@pytest.fixture
async def redis(valkey_port: int) -> AsyncIterator[Redis]:
    client = Redis(port=valkey_port, db=1)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


async def test_latest_events_come_newest_first(redis: Redis) -> None:
    store = RedisEventStore(redis, retained=100)
    for i in (3, 0, 2, 1):
        await store.add(scored(i))
    assert [e.id for e in await store.latest(3)] == [f"{i:032x}" for i in (0, 1, 2)]


async def test_adding_an_event_twice_keeps_one_copy(redis: Redis) -> None:
    store = RedisEventStore(redis, retained=100)
    await store.add(scored(1))
    await store.add(scored(1))
    assert len(await store.latest(10)) == 1


async def test_only_the_newest_events_are_retained(redis: Redis) -> None:
    store = RedisEventStore(redis, retained=100)
    for i in range(120):
        await store.add(scored(i))
    latest = await store.latest(1000)
    assert [e.id for e in latest] == [f"{i:032x}" for i in range(100)]
    assert await redis.dbsize() == 101  # 100 events + the index


async def test_country_index_keeps_the_newest_value(redis: Redis) -> None:
    from services.api.country_store import RedisCountryStore
    from shared.schemas import CountryRisk, RiskScores

    def risk(overall: float, minutes: int) -> CountryRisk:
        return CountryRisk(country="PAK", index=RiskScores(political=overall), overall=overall,
                           event_count=1, updated_at=NOW + timedelta(minutes=minutes))

    store = RedisCountryStore(redis)
    await store.put(risk(60, minutes=10))
    await store.put(risk(30, minutes=0))  # an older index redelivered late
    assert (await store.get("PAK")) == risk(60, minutes=10)
    await store.put(risk(75, minutes=20))
    assert [r.overall for r in await store.all()] == [75]
