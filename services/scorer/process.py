"""One raw message → a ScoredEvent, or a DeadLetter saying why it could not be scored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from shared.dlq import dead_letter, decode_or_dead_letter
from shared.schemas import DeadLetter, RawEvent, ScoredEvent
from shared.topics import RAW_EVENTS

Scorer = Callable[[RawEvent, datetime], ScoredEvent]


@dataclass(frozen=True)
class Origin:
    partition: int | None = None
    offset: int | None = None


def process_raw(
    payload: bytes, score: Scorer, now: datetime, origin: Origin = Origin()
) -> ScoredEvent | DeadLetter:
    raw = decode_or_dead_letter(
        RawEvent, payload, service="scorer", now=now, topic=RAW_EVENTS.name,
        partition=origin.partition, offset=origin.offset,
    )
    if isinstance(raw, DeadLetter):
        return raw
    try:
        return score(raw, now)
    except Exception as exc:  # a scoring bug on one event must not stop the stream
        return dead_letter(
            service="scorer", stage="score", source=RAW_EVENTS.name, payload=payload,
            reason=f"{type(exc).__name__}: {exc}", now=now, topic=RAW_EVENTS.name,
            partition=origin.partition, offset=origin.offset,
        )
