"""The one interface every connector implements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Document:
    """Bytes fetched from one place at one time, before any parsing."""

    feed: str
    location: str
    body: bytes
    fetched_at: datetime


class FetchError(Exception):
    """A transient failure to fetch (network, 5xx, timeout): retried with backoff."""


class OversizedDocument(Exception):
    """The body exceeded the size limit; ``head`` holds the first ``limit`` bytes for the DLQ."""

    def __init__(self, limit: int, head: bytes) -> None:
        super().__init__(f"payload larger than the {limit}-byte limit")
        self.limit = limit
        self.head = head


class Source(Protocol):
    name: str

    async def fetch(self) -> Document | None:
        """The current document, or ``None`` when it has not changed since the last fetch."""
        ...
