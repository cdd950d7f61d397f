"""How long and how much an HTTP client may take to send a request: ``BRISK_HTTP_*``.

Every brisk HTTP server (the aiohttp ops servers of ingest and alerts, the api's uvicorn) closes
a connection whose request head is not complete ``header_timeout_seconds`` after it opened (or
after the previous response), and one whose body is not complete ``body_timeout_seconds`` after
its head — so slow clients (slowloris, a stuck partner) cannot hold connections open without
limit. Heads are bounded in size as well. ``shared.aiohttp_guards`` and ``shared.uvicorn_guards``
apply these to each server.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class HttpLimits(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRISK_HTTP_", frozen=True, extra="ignore")

    # 10 s: a real client sends its head in one packet; only a stalled or hostile one takes longer.
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # 30 s for a whole body: 1 MiB (the largest push batch) at ~35 KB/s still makes it.
    body_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    # uvicorn: the whole head (request line and headers); aiohttp: each line of it.
    max_header_bytes: int = Field(default=16_384, ge=1024, le=1_048_576)
    # aiohttp only (it has no whole-head bound): how many header fields a request may carry.
    max_headers: int = Field(default=100, ge=8, le=1000)
