"""Ingest's readiness checks (served at ``/ready``): each tests its dependency *now*.

Cached state lies after an outage: a producer's cluster metadata still lists the broker that
just died, so the broker check sends a real metadata request, with a short timeout, and also
asks that ingest's topics exist (an in-memory broker that restarted has none, and a publish to
it would wait for a leader that never comes). Redis answers a PING. Every feed task must be
running (or have finished its one replay): a crashed one waiting to restart is not ready.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka.client import AIOKafkaClient
from redis.asyncio import Redis

from services.ingest.feed_supervisor import FeedStates
from shared.ops_server import HealthCheck
from shared.topics import DEAD_LETTER, RAW_EVENTS

TOPICS = (RAW_EVENTS.name, DEAD_LETTER.name)


def broker_check(client: AIOKafkaClient, timeout: float) -> HealthCheck:
    async def broker() -> bool:
        async with asyncio.timeout(timeout):
            metadata = await client.fetch_all_metadata()
        return set(TOPICS) <= metadata.topics()

    return broker


def redis_check(redis: Redis, timeout: float) -> HealthCheck:
    async def ping() -> bool:
        async with asyncio.timeout(timeout):
            return bool(await redis.ping())

    return ping


def feed_check(states: FeedStates, name: str) -> HealthCheck:
    async def running() -> bool:
        return states.is_running(name)

    return running


def ingest_checks(
    client: AIOKafkaClient, redis: Redis, states: FeedStates, feeds: Iterable[str],
    timeout: float,
) -> dict[str, HealthCheck]:
    """``kafka``, ``redis`` and one ``feed:<name>`` per feed, so a 503 names the feed that is down.
    A failing check may also raise: the ops server counts that as failed."""
    checks = {"kafka": broker_check(client, timeout), "redis": redis_check(redis, timeout)}
    checks.update({f"feed:{name}": feed_check(states, name) for name in feeds})
    return checks
