"""Which alerts were already delivered, so redelivered or replayed events never alert twice."""

from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis

KEY_PREFIX = "brisk:alerts:delivered:"


class SentLog(Protocol):
    async def seen(self, key: str) -> bool: ...

    async def mark(self, key: str) -> None: ...


class RedisSentLog:
    """Entries expire after ``ttl_seconds``: an alert older than that may be delivered again."""

    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds

    async def seen(self, key: str) -> bool:
        return bool(await self.redis.exists(KEY_PREFIX + key))

    async def mark(self, key: str) -> None:
        await self.redis.set(KEY_PREFIX + key, b"1", ex=self.ttl_seconds)
