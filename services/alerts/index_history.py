"""Recent values of each country's index, for ``rise`` rules (``country_index`` with ``within``).

Hot, disposable state, so it lives in Valkey (a sorted set per country and category, scored by
time), not PostgreSQL: losing it only delays a rise alert until the window has refilled.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis

from services.alerts.stages.match import IndexSample

KEY = "brisk:alerts:index:{country}:{category}"
KEEP = timedelta(days=2)  # longer than any sensible rise window


class IndexHistory(Protocol):
    async def add(self, country: str, category: str, sample: IndexSample) -> list[IndexSample]:
        """Record ``sample`` and return the samples kept, oldest first."""
        ...


class RedisIndexHistory:
    def __init__(self, redis: Redis, keep: timedelta = KEEP) -> None:
        self.redis = redis
        self.keep = keep

    async def add(self, country: str, category: str, sample: IndexSample) -> list[IndexSample]:
        key = KEY.format(country=country, category=category)
        at = sample.at.timestamp()
        oldest = at - self.keep.total_seconds()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {f"{at:.3f}:{sample.value:.3f}": at})
            pipe.zremrangebyscore(key, "-inf", f"({oldest}")
            pipe.expire(key, int(self.keep.total_seconds()))
            pipe.zrangebyscore(key, oldest, "+inf")
            *_, members = await pipe.execute()
        return [_sample(m) for m in members]


def _sample(member: bytes | str) -> IndexSample:
    text = member.decode() if isinstance(member, bytes) else member
    at, value = text.split(":")
    return IndexSample(at=datetime.fromtimestamp(float(at), UTC), value=float(value))
