"""One fetched document → published RawEvents and dead letters. Pure apart from the publisher."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from services.ingest.parsers.base import Parsed
from services.ingest.parsers.feed import parse_feed
from services.ingest.publisher import Publisher
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent, dead_letter
from shared.schemas import DeadLetter

log = logging.getLogger(__name__)
SERVICE = "ingest"


@dataclass(frozen=True)
class IngestOutcome:
    published: int
    fetched: int
    invalid_items: int
    invalid_document: bool


def plan(doc: Document, now: datetime) -> tuple[Parsed, list[DeadLetter], bool]:
    """Parse a document; what to publish and what to dead-letter, with no I/O."""
    try:
        parsed = parse_feed(doc)
    except InvalidEvent as exc:
        letter = dead_letter(
            service=SERVICE, stage="parse_document", source=doc.location, payload=doc.body,
            reason=exc.reason, now=now,
        )
        return Parsed([], []), [letter], True
    letters = [
        dead_letter(
            service=SERVICE, stage="parse_item", source=doc.location, payload=r.payload,
            reason=r.reason, now=now,
        )
        for r in parsed.rejected
    ]
    return parsed, letters, False


async def ingest_document(doc: Document, publisher: Publisher, now: datetime) -> IngestOutcome:
    parsed, letters, document_refused = plan(doc, now)
    for letter in letters:
        log.warning(
            "refused input",
            extra={"feed": doc.feed, "stage": letter.stage, "reason": letter.reason},
        )
    await publisher.publish(parsed.events, letters)
    return IngestOutcome(
        published=len(parsed.events),
        fetched=len(parsed.events) + len(parsed.rejected),
        invalid_items=len(parsed.rejected),
        invalid_document=document_refused,
    )
