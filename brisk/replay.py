"""``brisk replay``: a file into the running stack, through ingest's own code path.

The file is parsed by the format's handler, deduplicated against ingest's seen-set in Redis and
published to Kafka — so replaying the same file twice publishes nothing the second time. Events
keep their original timestamps; ``speed`` paces publication by the gaps between them (speed 60
turns an hour of events into a minute; 0 publishes as fast as the broker takes them).

Bad input never stops a replay: unusable items, and events over ``BRISK_MAX_MESSAGE_BYTES``,
are dead-lettered and the rest of the file is published. Only an unavailable broker or Redis
raises (``PublishUnavailable``, a Redis error); chunks already acknowledged stay published and
seen, so running the replay again publishes just the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from services.ingest.failures import PublishRefused
from services.ingest.handlers import Handled, Handler
from services.ingest.parsers.base import Parsed
from services.ingest.pipeline import IngestOutcome, publish_handled
from services.ingest.publisher import Publisher
from services.ingest.seen_set import SeenSet
from services.ingest.settings import FeedConfig
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent, dead_letter
from shared.schemas import RawEvent

CHUNK = 500


@dataclass
class ReplayTotals:
    events: int = 0
    published: int = 0
    duplicates: int = 0
    invalid: int = 0
    oversized: int = 0
    refused_document: str | None = None

    def add(self, outcome: IngestOutcome) -> None:
        self.published += outcome.published
        self.duplicates += outcome.duplicates
        self.invalid += outcome.invalid_items
        self.oversized += outcome.oversized


def paced_chunks(events: list[RawEvent], speed: float) -> list[tuple[float, list[RawEvent]]]:
    """(seconds to wait before, chunk) in publication order: by original time when pacing."""
    if speed <= 0:
        return [(0.0, events[i:i + CHUNK]) for i in range(0, len(events), CHUNK)]
    ordered = sorted(events, key=lambda e: e.published_at)
    waits, previous = [], ordered[0].published_at if ordered else None
    for event in ordered:
        assert previous is not None
        waits.append(((event.published_at - previous).total_seconds() / speed, [event]))
        previous = event.published_at
    return waits


async def replay_document(
    doc: Document,
    handler: Handler,
    publisher: Publisher,
    seen: SeenSet,
    clock: Callable[[], datetime],
    speed: float,
    *,
    max_message_bytes: int,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    progress: Callable[[int], None] = lambda _: None,
) -> ReplayTotals:
    totals = ReplayTotals()
    try:
        handled = await handler(doc)
    except InvalidEvent as exc:
        await _refuse(doc, "parse_document", exc.reason, publisher, clock())
        totals.refused_document = exc.reason
        return totals
    events = handled.parsed.events
    totals.events = len(events)
    rejected = handled.parsed.rejected
    for wait, chunk in paced_chunks(events, speed) or [(0.0, [])]:
        if wait > 0:
            await sleep(wait)
        # Refusals travel with the first chunk; the after-publish hook runs once, at the end.
        try:
            outcome = await publish_handled(doc, Handled(Parsed(chunk, rejected)), publisher,
                                            seen, clock(), max_message_bytes=max_message_bytes)
        except PublishRefused as exc:
            await _refuse(doc, "publish_refused", exc.reason, publisher, clock())
            totals.refused_document = exc.reason
            return totals
        rejected = []
        totals.add(outcome)
        progress(len(chunk))
    if handled.after_publish is not None:
        await handled.after_publish()
    return totals


async def _refuse(
    doc: Document, stage: str, reason: str, publisher: Publisher, now: datetime
) -> None:
    """Dead-letter the whole document; raises ``PublishRefused`` if even that is refused."""
    await publisher.publish([], [dead_letter(service="ingest", stage=stage, source=doc.location,
                                             payload=doc.body, reason=reason, now=now)])


def replay_feed(fmt: str, source: str, location: str, announce_initial: bool) -> FeedConfig:
    """The feed a replay stands for; raises ``pydantic.ValidationError`` for a bad format."""
    return FeedConfig.model_validate({"name": source, "format": fmt, "location": location,
                                      "announce_initial": announce_initial})
