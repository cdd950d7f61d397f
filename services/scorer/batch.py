"""One scoring batch → the records it produces, each checked against the message-size limit.

Pure: no Faust, no producer. ``score_batch`` decodes and scores each raw message (a message that
fails validation or scoring is a dead letter, and the rest of the batch goes on), then adds one
``batch`` CountryEvent per country and the batch's story-cluster notes. Every record is checked
against ``BRISK_MAX_MESSAGE_BYTES`` where it is made: one that would not fit becomes a dead letter
(stage ``size_limit``, a bounded head of it), never a producer error that fails the whole batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.scorer.process import Origin, Scorer, process_raw
from shared.dlq import dead_letter
from shared.message_size import MessageTooLarge, check_size
from shared.schemas import DeadLetter, ScoredEvent
from shared.schemas.country_event import CountryEvent, CountryEventItem
from shared.topics import DEAD_LETTER, RAW_EVENTS, SCORED_EVENTS, SCORER_COUNTRY_EVENTS

# Items per country record: a few hundred bytes each, so a record stays far below the limit
# whatever the batch size.
COUNTRY_ITEMS_PER_RECORD = 500


@dataclass(frozen=True)
class RawMessage:
    key: bytes | None
    value: bytes
    origin: Origin


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes | None
    value: bytes


@dataclass
class BatchResult:
    """What a batch produced, in order: ``records`` to send; per input message its outcome and
    the seconds it took to decode and score; ``oversized``: records refused for their size."""

    records: list[Record] = field(default_factory=list)
    outcomes: list[ScoredEvent | DeadLetter] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    oversized: int = 0


def country_batches(scored: Sequence[ScoredEvent]) -> list[CountryEvent]:
    """``batch`` records per country for a scoring batch, carrying each risk event's share.

    Timed by when brisk scored the event: the index is the risk picture as brisk learns of
    events (a replay of old news counts as new). Events below the category threshold carry no
    risk signal and are left out. A country with many events gets several records.
    """
    items: dict[str, list[CountryEventItem]] = {}
    for event in scored:
        if event.category == "none":
            continue
        for country in event.countries:
            items.setdefault(country, []).append(CountryEventItem(
                scores=event.scores, severity=event.severity, at=event.scored_at,
                event_id=event.id))
    return [CountryEvent(kind="batch", country=country, at=max(i.at for i in chunk), items=chunk)
            for country, shares in items.items()
            for chunk in (shares[n:n + COUNTRY_ITEMS_PER_RECORD]
                          for n in range(0, len(shares), COUNTRY_ITEMS_PER_RECORD))]


def oversized(payload: bytes, target: str, size: int, limit: int, now: datetime, source: str,
              origin: Origin | None = None) -> DeadLetter:
    """The dead letter of a record for ``target`` of ``size`` bytes; ``payload``: what is kept
    (for a scored event, the raw message it came from, with its ``origin``)."""
    return dead_letter(
        service="scorer", stage="size_limit", source=source, payload=payload,
        reason=f"{target}: {MessageTooLarge(size, limit).reason}", now=now,
        topic=RAW_EVENTS.name if origin is not None else None,
        partition=origin.partition if origin else None, offset=origin.offset if origin else None)


def fits(value: bytes, limit: int) -> bool:
    try:
        check_size(value, limit)
    except MessageTooLarge:
        return False
    return True


def score_batch(
    messages: Sequence[RawMessage], score: Scorer, now: datetime, limit: int,
    stories: Callable[[], Record | None] = lambda: None,
    clock: Callable[[], float] = time.perf_counter,
) -> BatchResult:
    """Score ``messages`` into records. ``limit``: the largest value a record may have;
    ``stories``: the batch's story-notes record, if any (called after scoring)."""
    result = BatchResult()
    scored: list[ScoredEvent] = []
    for message in messages:
        started = clock()
        outcome = process_raw(message.value, score, now, message.origin)
        result.seconds.append(clock() - started)
        if isinstance(outcome, ScoredEvent):
            value = outcome.to_bytes()
            if fits(value, limit):
                scored.append(outcome)
                result.records.append(Record(SCORED_EVENTS.name, outcome.id.encode(), value))
                result.outcomes.append(outcome)
                continue
            # The letter keeps the raw message: that is what can be scored again.
            outcome = oversized(message.value, SCORED_EVENTS.name, len(value), limit, now,
                                RAW_EVENTS.name, message.origin)
            result.oversized += 1
        result.records.append(Record(DEAD_LETTER.name, message.key, outcome.to_bytes()))
        result.outcomes.append(outcome)
    internal = [Record(SCORER_COUNTRY_EVENTS.name, batch.country.encode(), batch.to_bytes())
                for batch in country_batches(scored)]
    notes = stories()
    if notes is not None:
        internal.append(notes)
    for record in internal:
        if fits(record.value, limit):
            result.records.append(record)
        else:
            letter = oversized(record.value, record.topic, len(record.value), limit, now,
                               source=record.topic)
            result.records.append(Record(DEAD_LETTER.name, record.key, letter.to_bytes()))
            result.oversized += 1
    return result
