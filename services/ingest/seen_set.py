"""Which event ids ingest has already published, so re-polling and replays publish nothing new.

Ids are deterministic (shared.ids.event_id), so "seen" is a property of the id alone. Entries
expire after a TTL: long enough to outlive any feed's window of repeated items, short enough
that Redis does not grow forever. Marking happens after a successful publish — a crash between
the two republishes (at-least-once), it never loses an event.

A ``scope`` (``BRISK_INGEST_SEEN_SCOPE``) becomes part of every key. "Seen" is only true while
the broker still holds what was published: when the broker keeps nothing on disk, ``brisk up``
sets the scope to the broker's run id, so a restarted, empty broker starts with an empty
seen-set instead of events remembered as published but gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from redis.asyncio import Redis

KEY_PREFIX = "brisk:ingest:seen:"


def key_prefix(scope: str) -> str:
    """``brisk:ingest:seen:`` unscoped (the keys of every earlier release), else
    ``brisk:ingest:seen:<scope>:``."""
    return f"{KEY_PREFIX}{scope}:" if scope else KEY_PREFIX


class SeenSet(Protocol):
    async def unseen(self, ids: Sequence[str]) -> list[str]:
        """The ids not seen before, in input order, each once."""
        ...

    async def mark(self, ids: Iterable[str]) -> None: ...


def _first_occurrences(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))


class RedisSeenSet:
    def __init__(self, redis: Redis, ttl_seconds: int, scope: str = "") -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        self.prefix = key_prefix(scope)

    async def unseen(self, ids: Sequence[str]) -> list[str]:
        candidates = _first_occurrences(ids)
        if not candidates:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for event_id in candidates:
                pipe.exists(self.prefix + event_id)
            found = await pipe.execute()
        return [event_id for event_id, hit in zip(candidates, found, strict=True) if not hit]

    async def mark(self, ids: Iterable[str]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for event_id in ids:
                pipe.set(self.prefix + event_id, b"1", ex=self.ttl_seconds)
            await pipe.execute()


class MemorySeenSet:
    """For tests and one-off runs without Redis."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def unseen(self, ids: Sequence[str]) -> list[str]:
        return [i for i in _first_occurrences(ids) if i not in self.ids]

    async def mark(self, ids: Iterable[str]) -> None:
        self.ids.update(ids)
