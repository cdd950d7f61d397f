"""What every parser returns, and the one interface a document parser implements.

A parser turns one fetched ``Document`` into RawEvents. It raises ``InvalidEvent`` when the whole
document is unusable (it is then dead-lettered whole); an item it cannot use becomes a
``Rejected`` with the item's own bytes and the reason, and the rest of the document goes on.
Parsers are pure: no I/O, no clock (times come from the document), no global state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from services.ingest.sources.base import Document
from shared.schemas import RawEvent


@dataclass(frozen=True)
class Rejected:
    reason: str
    payload: bytes


@dataclass(frozen=True)
class Parsed:
    events: list[RawEvent] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class Parser(Protocol):
    def __call__(self, doc: Document) -> Parsed: ...
