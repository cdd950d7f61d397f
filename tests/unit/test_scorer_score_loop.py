"""The score_events agent's body (services/scorer/score_loop.py) with fakes for Faust's stream,
the producer and the worker: records published in order, events acknowledged only after their
records were delivered, a batch that keeps failing stops the worker unacknowledged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from services.scorer import batch_retry, score_loop
from services.scorer.batch import Record
from services.scorer.clustering import Note, StoryClusterer
from services.scorer.delivery import BatchAcks
from services.scorer.factory import build_scorer
from services.scorer.metrics import ScorerMetrics
from services.scorer.score_loop import ScoringLoop, raw_messages, story_notes
from services.scorer.stories import batch_record
from shared.schemas import DeadLetter, ScoredEvent
from shared.topics import DEAD_LETTER, SCORED_EVENTS, SCORER_STORIES
from tests.strategies import sample_raw

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass
class Position:
    partition: int
    offset: int


@dataclass
class Event:
    """What the loop reads of a Faust event."""

    key: bytes | None
    value: bytes
    message: Position


class Worker:
    """The producer, Faust's acknowledgements and app.crash, recorded."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.sent: list[tuple[str, bytes | None, bytes]] = []
        self.deliveries: list[asyncio.Future[None]] = []
        self.acked: list[Any] = []
        self.crashed: list[BaseException] = []
        self.fail_with = fail_with

    async def publish(self, topic: str, key: bytes | None, value: bytes) -> Awaitable[Any] | None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((topic, key, value))
        self.deliveries.append(asyncio.get_running_loop().create_future())
        return self.deliveries[-1]

    async def ack(self, event: Any) -> bool:
        self.acked.append(event)
        return True

    async def crash(self, exc: BaseException) -> None:
        self.crashed.append(exc)


def loop_of(worker: Worker, metrics: ScorerMetrics) -> ScoringLoop:
    return ScoringLoop(score=build_scorer(), publish=worker.publish,
                       metrics=metrics, limit=1_048_576, batch_size=10, batch_seconds=0.1,
                       crash=worker.crash, now=lambda: NOW)


def events() -> list[Event]:
    good = sample_raw(id="b1" * 16, title="Dock workers walk out at river port in Myanmar")
    return [Event(b"k0", good.to_bytes(), Position(3, 40)), Event(b"k1", b"{}", Position(3, 41))]


def test_raw_messages_keep_where_each_event_was_read() -> None:
    [first, second] = raw_messages(events())
    assert (first.key, first.origin.partition, first.origin.offset) == (b"k0", 3, 40)
    assert (second.value, second.origin.offset) == (b"{}", 41)


def test_story_notes_are_taken_once_then_the_journal_is_empty() -> None:
    clusterer = StoryClusterer()
    take = story_notes(clusterer, "worker-7")
    assert take() is None  # not sharing stories: no journal at all
    clusterer.journal = []
    assert take() is None  # a batch that founded and joined nothing
    note = Note("c1" * 16, "d1" * 16, ("Harbour", "closed"), "wire", 1.7e9, ("VNM",))
    clusterer.journal.append(note)
    assert take() == Record(SCORER_STORIES.name, b"worker-7", batch_record("worker-7", [note]))
    assert clusterer.journal == [] and take() is None


async def test_a_batch_is_published_in_order_and_acknowledged_after_delivery() -> None:
    worker = Worker()
    metrics = ScorerMetrics.create(CollectorRegistry())
    batch = events()
    acks = BatchAcks(worker.ack, worker.crash)
    outcomes = await loop_of(worker, metrics).handle(batch, acks)
    scored, letter = outcomes
    assert isinstance(scored, ScoredEvent) and isinstance(letter, DeadLetter)
    assert [(topic, key) for topic, key, _ in worker.sent[:2]] == [
        (SCORED_EVENTS.name, scored.id.encode()), (DEAD_LETTER.name, b"k1")]
    await asyncio.sleep(0.01)
    assert worker.acked == []  # nothing delivered yet
    for delivery in worker.deliveries:
        delivery.set_result(None)
    await acks.drain()
    assert worker.acked == batch and worker.crashed == []
    assert metrics.invalid._value.get() == 1


class Stream:
    """Faust's stream, handing out one batch."""

    def __init__(self, batch: list[Event], worker: Worker) -> None:
        self.batch = batch
        self.ack = worker.ack

    async def noack_take(self, size: int, within: float) -> AsyncIterator[list[Event]]:
        yield self.batch


async def test_a_batch_that_keeps_failing_stops_the_worker_unacknowledged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(score_loop, "retried", partial(batch_retry.retried, first_wait=0.0))
    worker = Worker(fail_with=ConnectionError("broker away"))
    metrics = ScorerMetrics.create(CollectorRegistry())
    yielded = [o async for o in loop_of(worker, metrics).run(Stream(events(), worker))]
    assert yielded == [] and worker.acked == []
    assert [type(e) for e in worker.crashed] == [ConnectionError]
    assert metrics.batch_retries._value.get() == batch_retry.ATTEMPTS - 1
    assert metrics.batch_failures._value.get() == 1
