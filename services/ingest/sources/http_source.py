"""A feed polled over HTTP with conditional GET, a timeout and a hard body-size limit."""

from __future__ import annotations

import httpx

from services.ingest.sources.base import Document, FetchError, OversizedDocument
from shared.clock import Clock

USER_AGENT = "brisk-ingest/0.1 (+https://github.com/brisk-risk/brisk)"


class HttpSource:
    def __init__(
        self, name: str, url: str, client: httpx.AsyncClient, max_bytes: int, clock: Clock
    ) -> None:
        self.name = name
        self.url = url
        self.client = client
        self.max_bytes = max_bytes
        self.clock = clock
        self._etag: str | None = None
        self._last_modified: str | None = None

    async def fetch(self) -> Document | None:
        headers = {"User-Agent": USER_AGENT}
        if self._etag:
            headers["If-None-Match"] = self._etag
        if self._last_modified:
            headers["If-Modified-Since"] = self._last_modified
        try:
            async with self.client.stream("GET", self.url, headers=headers) as response:
                if response.status_code == 304:
                    return None
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} from {self.url}")
                body = await self._read_limited(response)
                self._etag = response.headers.get("ETag")
                self._last_modified = response.headers.get("Last-Modified")
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__} fetching {self.url}: {exc}") from exc
        return Document(self.name, self.url, body, self.clock())

    async def _read_limited(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise OversizedDocument(self.max_bytes, b"")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_bytes:
                raise OversizedDocument(self.max_bytes, b"".join(chunks)[: self.max_bytes])
        return b"".join(chunks)
