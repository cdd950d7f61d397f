"""Where the last snapshot of each sanctions list is kept between fetches (and restarts).

One value per list: the snapshot as zlib-compressed JSON (the 14,668-entry SDN list is 5.3 MB of
JSON, 0.7 MB compressed). A stored value that cannot be read is treated as absent — the next
snapshot becomes the new baseline — because a list that can never be diffed again is worse than
one change-set missed; the problem is logged.
"""

from __future__ import annotations

import logging
import zlib
from typing import Protocol

from redis.asyncio import Redis

from services.ingest.sanctions.model import Snapshot, snapshot_from_json, snapshot_to_json

log = logging.getLogger(__name__)
DEFAULT_PREFIX = "brisk:ingest:snapshot:"


class SnapshotStore(Protocol):
    async def load(self, key: str) -> Snapshot | None:
        """The last saved snapshot for ``key``, or ``None`` when there is none."""
        ...

    async def save(self, key: str, snapshot: Snapshot) -> None: ...


def encode_snapshot(snapshot: Snapshot) -> bytes:
    return zlib.compress(snapshot_to_json(snapshot), level=6)


def decode_snapshot(key: str, data: bytes) -> Snapshot | None:
    try:
        return snapshot_from_json(zlib.decompress(data))
    except (zlib.error, ValueError) as exc:
        log.warning("unreadable stored snapshot; the next one is a new baseline",
                    extra={"snapshot_key": key, "reason": str(exc)})
        return None


class RedisSnapshotStore:
    """Snapshots in Redis/Valkey under ``prefix + key``, with no expiry.

    The client must return bytes (the default; not ``decode_responses=True``): values are zlib.
    """

    def __init__(self, redis: Redis, prefix: str = DEFAULT_PREFIX) -> None:
        self.redis = redis
        self.prefix = prefix

    async def load(self, key: str) -> Snapshot | None:
        data = await self.redis.get(self.prefix + key)
        if data is None:
            return None
        return decode_snapshot(key, data if isinstance(data, bytes) else data.encode())

    async def save(self, key: str, snapshot: Snapshot) -> None:
        await self.redis.set(self.prefix + key, encode_snapshot(snapshot))


class MemorySnapshotStore:
    """In-process snapshots for tests and the demo; kept encoded, so it checks the round trip."""

    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}

    async def load(self, key: str) -> Snapshot | None:
        data = self.values.get(key)
        return None if data is None else decode_snapshot(key, data)

    async def save(self, key: str, snapshot: Snapshot) -> None:
        self.values[key] = encode_snapshot(snapshot)
