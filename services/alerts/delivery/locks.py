"""Which alerts worker delivers for an endpoint: the one holding its PostgreSQL advisory lock.

Session-level locks on one dedicated connection: a worker that dies (SIGKILL included) closes its
connection and PostgreSQL releases its locks at once, so another worker — or the restarted one —
takes the endpoint over without waiting for a lease to run out. One holder per endpoint is what
keeps an endpoint's notifications in order. The connection is used by one caller at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from psycopg import AsyncConnection


def lock_key(tenant_id: int, receiver: str) -> int:
    """A signed 64-bit key for the endpoint (a collision only makes two endpoints share a lock)."""
    digest = hashlib.sha256(f"brisk endpoint {tenant_id}/{receiver}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class EndpointLocks:
    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self.conn = conn
        self._serial = asyncio.Lock()

    @classmethod
    async def connect(cls, url: str) -> EndpointLocks:
        return cls(await AsyncConnection.connect(url, autocommit=True))

    async def try_lock(self, tenant_id: int, receiver: str) -> bool:
        async with self._serial:
            cur = await self.conn.execute("SELECT pg_try_advisory_lock(%s)",
                                          (lock_key(tenant_id, receiver),))
            row = await cur.fetchone()
        return bool(row and row[0])

    async def unlock(self, tenant_id: int, receiver: str) -> None:
        async with self._serial:
            await self.conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(tenant_id, receiver),))

    async def close(self) -> None:
        await self.conn.close()
