"""Which event ids ingest has already published, so re-polling and replays publish nothing new.

Ids are deterministic (shared.ids.event_id), so "seen" is a property of the id alone. Entries
expire after a TTL: long enough to outlive any feed's window of repeated items, short enough
that Redis does not grow forever. Marking happens after a successful publish — a crash between
the two republishes (at-least-once), it never loses an event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from redis.asyncio import Redis

KEY_PREFIX = "brisk:ingest:seen:"


class SeenSet(Protocol):
    async def unseen(self, ids: Sequence[str]) -> list[str]:
        """The ids not seen before, in input order, each once."""
        ...

    async def mark(self, ids: Iterable[str]) -> None: ...


def _first_occurrences(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))


class RedisSeenSet:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds

    async def unseen(self, ids: Sequence[str]) -> list[str]:
        candidates = _first_occurrences(ids)
        if not candidates:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for event_id in candidates:
                pipe.exists(KEY_PREFIX + event_id)
            found = await pipe.execute()
        return [event_id for event_id, hit in zip(candidates, found, strict=True) if not hit]

    async def mark(self, ids: Iterable[str]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for event_id in ids:
                pipe.set(KEY_PREFIX + event_id, b"1", ex=self.ttl_seconds)
            await pipe.execute()


class MemorySeenSet:
    """For tests and one-off runs without Redis."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def unseen(self, ids: Sequence[str]) -> list[str]:
        return [i for i in _first_occurrences(ids) if i not in self.ids]

    async def mark(self, ids: Iterable[str]) -> None:
        self.ids.update(ids)
