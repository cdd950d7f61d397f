"""Sanctions snapshots kept in a real Valkey between fetches."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from services.ingest.sanctions.diff import plan_snapshot
from services.ingest.sanctions.ofac_csv import parse_ofac_csv
from services.ingest.sanctions.snapshot_store import RedisSnapshotStore
from tests.conftest import FIXTURES

pytestmark = pytest.mark.integration
SDN = FIXTURES / "policy" / "ofac_sdn_2024-04-26.csv"


@pytest.fixture
async def redis(valkey_port: int) -> AsyncIterator[Redis]:
    client = Redis(port=valkey_port, db=5)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


async def test_the_real_sdn_snapshot_round_trips_compressed(redis: Redis) -> None:
    snapshot, _ = parse_ofac_csv(SDN.read_bytes(), "ofac-sdn")
    store = RedisSnapshotStore(redis)
    assert await store.load("ofac-sdn") is None
    await store.save("ofac-sdn", snapshot)
    assert await store.load("ofac-sdn") == snapshot
    stored = await redis.get("brisk:ingest:snapshot:ofac-sdn")
    assert stored is not None and len(stored) < 1_000_000  # zlib: 5.3 MB of JSON → about 0.7 MB
    assert plan_snapshot(await store.load("ofac-sdn"), snapshot, announce_initial=True) == []


async def test_lists_are_kept_apart_and_a_corrupt_value_reads_as_no_snapshot(redis: Redis) -> None:
    snapshot, _ = parse_ofac_csv(SDN.read_bytes()[:2000].rsplit(b"\r\n", 1)[0], "ofac-sdn")
    store = RedisSnapshotStore(redis, prefix="test:")
    await store.save("a", snapshot)
    assert await store.load("b") is None
    await redis.set("test:b", b"\x00 not a snapshot")
    assert await store.load("b") is None and await store.load("a") == snapshot
