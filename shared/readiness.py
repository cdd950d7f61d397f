"""Readiness checks that look at a dependency *now*: ask it, with a deadline, never a cached flag.

Each is an ``async () -> bool`` (``shared.ops_server.HealthCheck``) for ``/ready``: ``False`` (or
an exception, which the runner turns into ``False``) names that dependency in a 503. The Kafka
round trip is ``shared.kafka.broker_reachable``; these are the others every service needs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.ops_server import HealthCheck

log = logging.getLogger(__name__)

# A dependency slower than this is, for a probe that runs every few seconds, not there.
CHECK_SECONDS = 2.0


async def redis_answers(redis: Redis, timeout: float = CHECK_SECONDS) -> bool:
    """True if Redis answers PING within ``timeout`` seconds."""
    try:
        async with asyncio.timeout(timeout):
            return bool(await redis.ping())
    except (RedisError, OSError, TimeoutError) as exc:
        log.debug("redis unreachable", extra={"error": repr(exc)})
        return False


async def postgres_answers(pool: AsyncConnectionPool, timeout: float = CHECK_SECONDS) -> bool:
    """True if PostgreSQL answers ``SELECT 1`` on a pooled connection within ``timeout``."""
    try:
        async with asyncio.timeout(timeout), pool.connection(timeout=timeout) as conn:
            await conn.execute("SELECT 1")
            return True
    except Exception as exc:  # any failure means "not ready", and says which
        log.debug("postgres unreachable", extra={"error": repr(exc)})
        return False


def task_running(current: Callable[[], asyncio.Task[None] | None]) -> HealthCheck:
    """A check that fails once the background task ``current()`` returns has ended (or is None).

    ``current`` is called on every check because the task usually starts after the server.
    """

    async def check() -> bool:
        task = current()
        return task is not None and not task.done()

    return check
