"""The latest CountryRisk per country, in one Redis hash (``brisk:country-risk``, field = ISO3).

Writes are last-writer-wins by ``updated_at``: a redelivered older index never replaces a newer
one (the compare and the write run in one Lua script, so concurrent projectors agree).
"""

from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis

from shared.schemas import CountryRisk

KEY = "brisk:country-risk"

_NEWER_WINS = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local stamp = cjson.decode(current)['updated_at']
  if stamp and stamp > ARGV[3] then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""


class CountryStore(Protocol):
    async def put(self, risk: CountryRisk) -> None: ...

    async def all(self) -> list[CountryRisk]: ...

    async def get(self, country: str) -> CountryRisk | None: ...


class RedisCountryStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._script = redis.register_script(_NEWER_WINS)

    async def put(self, risk: CountryRisk) -> None:
        # ISO timestamps in UTC with the same format compare correctly as strings.
        stamp = risk.model_dump(mode="json")["updated_at"]
        await self._script(keys=[KEY], args=[risk.country, risk.to_bytes(), stamp])

    async def all(self) -> list[CountryRisk]:
        values = await self.redis.hvals(KEY)
        return [CountryRisk.from_bytes(v) for v in values]

    async def get(self, country: str) -> CountryRisk | None:
        value = await self.redis.hget(KEY, country)
        return None if value is None else CountryRisk.from_bytes(value)
