"""One fetched document → new RawEvents published, refusals dead-lettered.

Stages, in order: handle (parse, or diff a snapshot) → dead-letter what was refused → drop what
was already published (seen-set) → refuse events too large for the topic → publish → remember →
after-publish hook (save a snapshot).

What no retry can cure is dead-lettered once and the rest goes on: an unusable document or
item, an event over ``BRISK_MAX_MESSAGE_BYTES``, a record the broker refuses for good. Only the
broker or Redis being unavailable raises out of here (the caller retries, nothing was marked).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.ingest.failures import PublishRefused
from services.ingest.handlers import Handled, Handler
from services.ingest.parsers.base import Parsed
from services.ingest.publisher import Publisher
from services.ingest.seen_set import SeenSet
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent, dead_letter
from shared.message_size import MessageTooLarge, check_size
from shared.schemas import DeadLetter, RawEvent

log = logging.getLogger(__name__)
SERVICE = "ingest"
SIZE_STAGE = "size_limit"


@dataclass(frozen=True)
class IngestOutcome:
    fetched: int
    published: int
    duplicates: int
    invalid_items: int
    # The stage that refused the whole document ("parse_document", "publish_refused"), if any.
    refused_document: str | None = None
    oversized: int = 0

    @property
    def invalid_document(self) -> bool:
        return self.refused_document is not None


def refusals(doc: Document, parsed: Parsed, now: datetime) -> list[DeadLetter]:
    return [
        dead_letter(service=SERVICE, stage="parse_item", source=doc.location, payload=r.payload,
                    reason=r.reason, now=now)
        for r in parsed.rejected
    ]


def split_by_size(
    events: Iterable[RawEvent], max_message_bytes: int, source: str, now: datetime
) -> tuple[list[RawEvent], list[DeadLetter]]:
    """(events that fit on the topic, a dead letter for each that does not)."""
    fitting: list[RawEvent] = []
    letters: list[DeadLetter] = []
    for event in events:
        value = event.to_bytes()
        try:
            check_size(value, max_message_bytes)
        except MessageTooLarge as exc:
            letters.append(dead_letter(service=SERVICE, stage=SIZE_STAGE, source=source,
                                       payload=value, reason=f"event {event.id}: {exc.reason}",
                                       now=now))
        else:
            fitting.append(event)
    return fitting, letters


async def ingest_document(
    doc: Document, handler: Handler, publisher: Publisher, seen: SeenSet, now: datetime,
    *, max_message_bytes: int,
) -> IngestOutcome:
    try:
        handled = await handler(doc)
    except InvalidEvent as exc:
        return await _refuse_document(doc, "parse_document", exc.reason, publisher, now)
    try:
        return await publish_handled(doc, handled, publisher, seen, now,
                                     max_message_bytes=max_message_bytes)
    except PublishRefused as exc:
        return await _refuse_document(doc, "publish_refused", exc.reason, publisher, now)


async def _refuse_document(
    doc: Document, stage: str, reason: str, publisher: Publisher, now: datetime
) -> IngestOutcome:
    letter = dead_letter(service=SERVICE, stage=stage, source=doc.location, payload=doc.body,
                         reason=reason, now=now)
    log.warning("refused document", extra={"feed": doc.feed, "stage": stage, "reason": reason})
    try:
        await publisher.publish([], [letter])
    except PublishRefused as exc:
        # Nowhere left to keep it; raising would only crash and restart the feed task, forever.
        log.error("dead letter refused by the broker, dropped",
                  extra={"feed": doc.feed, "stage": stage, "reason": reason,
                         "error": exc.reason})
    return IngestOutcome(0, 0, 0, 0, refused_document=stage)


async def publish_handled(
    doc: Document, handled: Handled, publisher: Publisher, seen: SeenSet, now: datetime,
    *, max_message_bytes: int,
) -> IngestOutcome:
    """Raises ``PublishUnavailable`` (retry; nothing marked seen) or ``PublishRefused``."""
    parsed = handled.parsed
    letters = refusals(doc, parsed, now)
    fresh_ids = set(await seen.unseen([e.id for e in parsed.events]))
    fresh = []
    for event in parsed.events:
        if event.id in fresh_ids:
            fresh.append(event)
            fresh_ids.discard(event.id)  # a document listing one item twice publishes it once
    fitting, too_large = split_by_size(fresh, max_message_bytes, doc.location, now)
    for letter in (letters + too_large)[:20]:  # the metric counts them all; logs need examples
        log.warning("refused item", extra={"feed": doc.feed, "stage": letter.stage,
                                           "reason": letter.reason})
    await publisher.publish(fitting, letters + too_large)
    # Only after the broker acknowledged them: an event marked seen is on the topic.
    await seen.mark(e.id for e in fitting)
    if handled.after_publish is not None:
        await handled.after_publish()
    return IngestOutcome(
        fetched=len(parsed.events) + len(parsed.rejected),
        published=len(fitting),
        duplicates=len(parsed.events) - len(fresh),
        invalid_items=len(parsed.rejected),
        oversized=len(too_large),
    )
