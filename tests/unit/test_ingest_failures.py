"""What no retry can cure is dead-lettered once and the rest goes on; only an unavailable broker
or Redis is retried; a feed task that crashes anyway is logged, counted and restarted."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka.errors import (
    InvalidTopicError,
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    UnknownError,
)
from prometheus_client import CollectorRegistry
from redis.exceptions import ConnectionError as RedisConnectionError

from services.ingest.failures import PublishRefused, PublishUnavailable, is_transient
from services.ingest.feed_supervisor import FeedState, FeedStates, supervise
from services.ingest.handlers import Handled, ParserHandler
from services.ingest.metrics import IngestMetrics
from services.ingest.parsers.base import Parsed
from services.ingest.parsers.push_items import parse_jsonl_items
from services.ingest.pipeline import ingest_document, publish_handled
from services.ingest.readiness import feed_check
from services.ingest.runner import Schedule, Sink, run_source
from services.ingest.seen_set import MemorySeenSet, key_prefix
from services.ingest.sources.base import Document, FetchError
from services.ingest.sources.file_source import FileSource
from shared.ids import event_id
from shared.schemas import DeadLetter, RawEvent

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LIMIT = 64 * 1024


def clock() -> datetime:
    return NOW


class ListPublisher:
    def __init__(self) -> None:
        self.events: list[RawEvent] = []
        self.letters: list[DeadLetter] = []
        self.calls = 0

    async def publish(self, events: list[RawEvent], dead_letters: list[DeadLetter]) -> None:
        self.calls += 1
        self.events += events
        self.letters += dead_letters


def event(native: str, summary: str = "") -> RawEvent:
    return RawEvent(id=event_id("partner", native), kind="news", source="partner",
                    native_id=native, title=f"item {native}", summary=summary,
                    published_at=NOW, fetched_at=NOW,
                    fields={f"f{i}": "x" * 10_000 for i in range(10)} if summary else {})


def jsonl(*items: dict[str, object]) -> bytes:
    return "\n".join(json.dumps(i) for i in items).encode()


def push_item(native: str, padding: int = 0) -> dict[str, object]:
    fields = {f"pad{i}": "p" * 20_000 for i in range(padding)}
    return {"id": native, "title": f"item {native}", "published_at": "2026-11-22T10:00:00Z",
            "fields": fields}


@pytest.mark.parametrize(
    ("error", "transient"),
    [(FetchError("503"), True), (PublishUnavailable("late"), True), (OSError("reset"), True),
     (KafkaConnectionError(), True), (KafkaTimeoutError(), True), (UnknownError(), True),
     (RedisConnectionError("refused"), True), (TimeoutError(), True),
     (MessageSizeTooLargeError(), False), (InvalidTopicError(), False),
     (PublishRefused("too large"), False),
     (RecursionError(), False), (ValueError("bug"), False)],
)
def test_only_unavailability_is_transient(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


async def test_an_event_over_the_message_limit_is_dead_lettered_and_the_rest_published() -> None:
    publisher, seen = ListPublisher(), MemorySeenSet()
    small, big = event("small"), event("big", summary="s")
    doc = Document("partner", "corridors.jsonl", b"", NOW)
    outcome = await publish_handled(doc, Handled(Parsed([small, big])), publisher, seen, NOW,
                                    max_message_bytes=LIMIT)
    assert publisher.events == [small]
    [letter] = publisher.letters
    assert letter.stage == "size_limit" and big.id in letter.reason
    assert "BRISK_MAX_MESSAGE_BYTES" in letter.reason
    assert (outcome.published, outcome.oversized) == (1, 1)
    assert seen.ids == {small.id}  # only what is on the topic is marked seen


async def test_an_oversized_jsonl_item_is_refused_once_not_retried(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_bytes(jsonl(push_item("a"), push_item("huge", padding=5), push_item("b")))
    publisher = ListPublisher()
    metrics = IngestMetrics.create(CollectorRegistry())
    sink = Sink(ParserHandler(parse_jsonl_items), publisher, MemorySeenSet(), LIMIT)
    await run_source(FileSource("items", path, 10_000_000, clock), sink, metrics,
                     Schedule(interval=None), clock, _never)
    assert [e.native_id for e in publisher.events] == ["a", "b"]
    assert [d.stage for d in publisher.letters] == ["size_limit"]
    assert publisher.calls == 1
    assert metrics.invalid.labels("items", "size_limit")._value.get() == 1
    assert metrics.publish_errors.labels("items")._value.get() == 0


async def test_a_record_the_broker_refuses_for_good_is_dead_lettered_with_its_document() -> None:
    class RefusingBroker(ListPublisher):
        async def publish(self, events: list[RawEvent], dead_letters: list[DeadLetter]) -> None:
            if events:
                raise PublishRefused("the broker refused the records: MessageSizeTooLargeError")
            await super().publish(events, dead_letters)

    publisher = RefusingBroker()
    doc = Document("items", "items.jsonl", jsonl(push_item("a")), NOW)
    outcome = await ingest_document(doc, ParserHandler(parse_jsonl_items), publisher,
                                    MemorySeenSet(), NOW, max_message_bytes=LIMIT)
    assert outcome.refused_document == "publish_refused"
    [letter] = publisher.letters
    assert letter.stage == "publish_refused" and letter.payload() == doc.body


async def test_the_runner_retries_an_unavailable_broker_but_not_a_bug(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_bytes(jsonl(push_item("a")))

    class Broker(ListPublisher):
        def __init__(self, failures: list[BaseException]) -> None:
            super().__init__()
            self.failures = failures

        async def publish(self, events: list[RawEvent], dead_letters: list[DeadLetter]) -> None:
            if self.failures:
                raise self.failures.pop(0)
            await super().publish(events, dead_letters)

    async def sleep(_: float) -> None:
        return None

    metrics = IngestMetrics.create(CollectorRegistry())
    flaky = Broker([PublishUnavailable("late"), RedisConnectionError("down")])
    sink = Sink(ParserHandler(parse_jsonl_items), flaky, MemorySeenSet(), LIMIT)
    await run_source(FileSource("f", path, 1000, clock), sink, metrics, Schedule(interval=None),
                     clock, sleep)
    assert len(flaky.events) == 1 and metrics.publish_errors.labels("f")._value.get() == 2

    buggy = Broker([ValueError("a bug")])
    sink = Sink(ParserHandler(parse_jsonl_items), buggy, MemorySeenSet(), LIMIT)
    with pytest.raises(ValueError, match="a bug"):
        await run_source(FileSource("g", path, 1000, clock), sink, metrics,
                         Schedule(interval=None), clock, _never)
    assert buggy.events == []


async def test_a_crashing_feed_task_is_logged_counted_and_restarted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[int] = []
    delays: list[float] = []
    states = FeedStates()
    crashes = IngestMetrics.create(CollectorRegistry()).task_crashes

    async def run() -> None:
        runs.append(len(runs))
        if len(runs) < 3:
            raise RecursionError("maximum recursion depth exceeded")

    async def sleep(seconds: float) -> None:
        assert states.get("reuters") is FeedState.RESTARTING
        assert not await feed_check(states, "reuters")()  # readiness: not running
        delays.append(seconds)

    await supervise("reuters", run, states, crashes, sleep=sleep, draw=lambda: 1.0,
                    monotonic=lambda: 0.0, base_backoff=2)
    assert runs == [0, 1, 2]
    assert delays == [2.0, 4.0]  # exponential backoff between restarts
    assert crashes.labels("reuters")._value.get() == 2
    assert states.get("reuters") is FeedState.FINISHED and await feed_check(states, "reuters")()
    crashed = [r for r in caplog.records if r.getMessage() == "feed task crashed, restarting"]
    assert len(crashed) == 2 and "RecursionError" in crashed[0].__dict__["error"]


async def test_cancelling_a_supervised_task_is_not_a_crash() -> None:
    states = FeedStates()
    crashes = IngestMetrics.create(CollectorRegistry()).task_crashes
    task = asyncio.create_task(supervise("live", lambda: asyncio.sleep(3600), states, crashes))
    await asyncio.sleep(0)
    assert states.get("live") is FeedState.RUNNING
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert crashes.labels("live")._value.get() == 0


@pytest.mark.parametrize(("scope", "prefix"), [("", "brisk:ingest:seen:"),
                                               ("run-7f3a", "brisk:ingest:seen:run-7f3a:")])
def test_the_seen_scope_is_part_of_the_key_prefix(scope: str, prefix: str) -> None:
    assert key_prefix(scope) == prefix


async def _never(_: float) -> None:
    raise AssertionError("no retry expected")
