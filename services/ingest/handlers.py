"""A handler turns one document into what to publish, plus what to do once it is published.

Most formats are a pure parser. A sanctions list is a snapshot: its events are the difference
from the previous snapshot, which is saved only after the events are published, so a crash in
between re-announces rather than loses a change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from services.ingest.parsers.base import Parsed, Parser
from services.ingest.sources.base import Document


@dataclass(frozen=True)
class Handled:
    parsed: Parsed
    after_publish: Callable[[], Awaitable[None]] | None = None


class Handler(Protocol):
    async def __call__(self, doc: Document) -> Handled: ...


@dataclass(frozen=True)
class ParserHandler:
    """A pure parser as a handler."""

    parser: Parser

    async def __call__(self, doc: Document) -> Handled:
        return Handled(self.parser(doc))
