"""One fetched document → new RawEvents published, refusals dead-lettered.

Stages, in order: handle (parse, or diff a snapshot) → dead-letter what was refused → drop what
was already published (seen-set) → publish → remember → after-publish hook (save a snapshot).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from services.ingest.handlers import Handled, Handler
from services.ingest.parsers.base import Parsed
from services.ingest.publisher import Publisher
from services.ingest.seen_set import SeenSet
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent, dead_letter
from shared.schemas import DeadLetter

log = logging.getLogger(__name__)
SERVICE = "ingest"


@dataclass(frozen=True)
class IngestOutcome:
    fetched: int
    published: int
    duplicates: int
    invalid_items: int
    invalid_document: bool


def refusals(doc: Document, parsed: Parsed, now: datetime) -> list[DeadLetter]:
    return [
        dead_letter(service=SERVICE, stage="parse_item", source=doc.location, payload=r.payload,
                    reason=r.reason, now=now)
        for r in parsed.rejected
    ]


async def ingest_document(
    doc: Document, handler: Handler, publisher: Publisher, seen: SeenSet, now: datetime
) -> IngestOutcome:
    try:
        handled = await handler(doc)
    except InvalidEvent as exc:
        letter = dead_letter(service=SERVICE, stage="parse_document", source=doc.location,
                             payload=doc.body, reason=exc.reason, now=now)
        log.warning("refused document", extra={"feed": doc.feed, "reason": exc.reason})
        await publisher.publish([], [letter])
        return IngestOutcome(0, 0, 0, 0, invalid_document=True)
    return await publish_handled(doc, handled, publisher, seen, now)


async def publish_handled(
    doc: Document, handled: Handled, publisher: Publisher, seen: SeenSet, now: datetime
) -> IngestOutcome:
    parsed = handled.parsed
    letters = refusals(doc, parsed, now)
    for letter in letters[:20]:  # the metric counts them all; the log needs only examples
        log.warning("refused item", extra={"feed": doc.feed, "reason": letter.reason})
    fresh_ids = set(await seen.unseen([e.id for e in parsed.events]))
    fresh = []
    for event in parsed.events:
        if event.id in fresh_ids:
            fresh.append(event)
            fresh_ids.discard(event.id)  # a document listing one item twice publishes it once
    await publisher.publish(fresh, letters)
    await seen.mark(e.id for e in fresh)
    if handled.after_publish is not None:
        await handled.after_publish()
    return IngestOutcome(
        fetched=len(parsed.events) + len(parsed.rejected),
        published=len(fresh),
        duplicates=len(parsed.events) - len(fresh),
        invalid_items=len(parsed.rejected),
        invalid_document=False,
    )
