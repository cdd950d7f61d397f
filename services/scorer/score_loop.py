"""The ``score_events`` agent's body: batches of raw events → ``score_batch`` → the producer.

What each batch produces is decided by ``score_batch`` (batch.py, pure); this is the shell
around it, with every side effect passed in: ``publish`` hands records to the producer, the
batch's events are acknowledged only once all its records were delivered (delivery.py), a batch
that fails as a whole is tried again (batch_retry.py) and then ``crash`` stops the worker without
acknowledging it, so it is read again when the worker starts. app.py builds one ScoringLoop and
gives its ``run`` to Faust as the agent.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from services.scorer.batch import RawMessage, Record, score_batch
from services.scorer.batch_retry import retried
from services.scorer.clustering import StoryClusterer
from services.scorer.delivery import BatchAcks
from services.scorer.metrics import ScorerMetrics
from services.scorer.process import Origin, Scorer
from services.scorer.publish import Publisher
from services.scorer.stories import batch_record
from shared.clock import utc_now
from shared.schemas import DeadLetter, ScoredEvent
from shared.topics import SCORER_STORIES

log = logging.getLogger(__name__)
Outcomes = list[ScoredEvent | DeadLetter]


def raw_messages(events: Sequence[Any]) -> list[RawMessage]:
    """Faust's events as ``score_batch`` takes them: key, value and where each was read."""
    return [RawMessage(e.key, e.value, Origin(e.message.partition, e.message.offset))
            for e in events]


def story_notes(clusterer: StoryClusterer, worker: str) -> Callable[[], Record | None]:
    """What a batch tells the other workers: the notes the clusterer journalled while it was
    scored, taken (the journal is emptied) as one record of ``worker``'s; None without notes."""

    def take() -> Record | None:
        if not clusterer.journal:
            return None
        record = Record(SCORER_STORIES.name, worker.encode(),
                        batch_record(worker, clusterer.journal))
        clusterer.journal.clear()
        return record

    return take


@dataclass(frozen=True)
class ScoringLoop:
    score: Scorer
    publish: Publisher
    metrics: ScorerMetrics
    limit: int  # the largest record value (BRISK_MAX_MESSAGE_BYTES)
    batch_size: int
    batch_seconds: float  # a batch is cut after this long even when not full
    crash: Callable[[BaseException], Awaitable[None]]  # stops the worker (Faust's app.crash)
    stories: Callable[[], Record | None] = lambda: None  # story_notes, when workers share them
    now: Callable[[], datetime] = utc_now

    async def stop_worker(self, exc: BaseException) -> None:
        self.metrics.batch_failures.inc()
        log.error("scorer: stopping the worker; the unacknowledged batch is read again when "
                  "it starts: %r", exc)
        await self.crash(exc)

    async def handle(self, events: Sequence[Any], acks: BatchAcks) -> Outcomes:
        """Score and publish one batch; its events are acknowledged once it was delivered."""
        result = score_batch(raw_messages(events), self.score, self.now(), self.limit,
                             self.stories)
        deliveries = [await self.publish(r.topic, r.key, r.value) for r in result.records]
        acks.after(deliveries, events)
        self.metrics.observe(result)
        return result.outcomes

    async def run(self, stream: Any) -> AsyncIterator[Outcomes]:
        """Score raw events in batches, acknowledging each once its output was delivered.

        Yields once per batch, its outcomes in order: a yield per event would cost Faust's
        reply and sink handling per event."""
        acks = BatchAcks(stream.ack, self.stop_worker)
        async for events in stream.noack_take(self.batch_size, within=self.batch_seconds):
            try:
                yield await retried(partial(self.handle, events, acks), self.metrics.batch_retries)
            except Exception as exc:  # retried already: stop, leaving the batch unacknowledged
                await self.stop_worker(exc)
                return
