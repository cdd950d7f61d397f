"""A feed read from a local file: what the demo and ``brisk replay`` use."""

from __future__ import annotations

import asyncio
from pathlib import Path

from services.ingest.sources.base import Document, FetchError, OversizedDocument
from shared.clock import Clock


class FileSource:
    def __init__(self, name: str, path: Path, max_bytes: int, clock: Clock) -> None:
        self.name = name
        self.path = path
        self.max_bytes = max_bytes
        self.clock = clock

    async def fetch(self) -> Document | None:
        try:
            body = await asyncio.to_thread(self._read)
        except OSError as exc:
            raise FetchError(f"cannot read {self.path}: {exc.strerror or exc}") from exc
        return Document(self.name, str(self.path), body, self.clock())

    def _read(self) -> bytes:
        with self.path.open("rb") as handle:
            body = handle.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise OversizedDocument(self.max_bytes, body[: self.max_bytes])
        return body
