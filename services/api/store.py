"""The API's read model: the latest scored events in Redis, newest (by publication time) first.

Layout: a sorted set ``brisk:events:index`` (member = event id, score = published_at as Unix
seconds) and one string per event ``brisk:events:item:<id>`` holding its JSON. Adding the same
event twice is a no-op, so redelivery after a crash is harmless. Beyond ``retained`` events the
oldest are dropped.
"""

from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis

from shared.schemas import ScoredEvent

INDEX = "brisk:events:index"
ITEM = "brisk:events:item:"


class EventStore(Protocol):
    async def add(self, event: ScoredEvent) -> None: ...

    async def latest(self, limit: int) -> list[ScoredEvent]: ...


class RedisEventStore:
    def __init__(self, redis: Redis, retained: int) -> None:
        self.redis = redis
        self.retained = retained

    async def add(self, event: ScoredEvent) -> None:
        async with self.redis.pipeline(transaction=True) as tx:
            tx.set(ITEM + event.id, event.to_bytes())
            tx.zadd(INDEX, {event.id: event.published_at.timestamp()})
            tx.zcard(INDEX)
            *_, size = await tx.execute()
        if size > self.retained:
            await self._trim(size - self.retained)

    async def _trim(self, excess: int) -> None:
        oldest = [_text(i) for i in await self.redis.zrange(INDEX, 0, excess - 1)]
        if oldest:
            async with self.redis.pipeline(transaction=True) as tx:
                tx.zrem(INDEX, *oldest)
                tx.delete(*(ITEM + i for i in oldest))
                await tx.execute()

    async def latest(self, limit: int) -> list[ScoredEvent]:
        ids = await self.redis.zrevrange(INDEX, 0, limit - 1)
        if not ids:
            return []
        blobs = await self.redis.mget([ITEM + _text(i) for i in ids])
        # An id trimmed between the two reads has no blob; it is simply skipped.
        return [ScoredEvent.from_bytes(b) for b in blobs if b is not None]


def _text(member: object) -> str:
    return member.decode() if isinstance(member, bytes) else str(member)
