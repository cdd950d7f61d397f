"""The HTTP path is real: a local server serves the real feed files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from services.ingest.handlers import ParserHandler
from services.ingest.metrics import IngestMetrics
from services.ingest.parsers.feed import parse_feed
from services.ingest.runner import Schedule, Sink, run_source
from services.ingest.seen_set import MemorySeenSet
from services.ingest.sources.base import Document, FetchError, OversizedDocument
from services.ingest.sources.file_source import FileSource
from services.ingest.sources.http_source import HttpSource
from shared.schemas import DeadLetter, RawEvent

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
MESSAGE_LIMIT = 1024 * 1024
REUTERS = "reuters_worldnews_2018-01-30.rss"


def clock() -> datetime:
    return NOW


def sink(publisher: ListPublisher) -> Sink:
    return Sink(ParserHandler(parse_feed), publisher, MemorySeenSet(), MESSAGE_LIMIT)


class ListPublisher:
    def __init__(self) -> None:
        self.events: list[RawEvent] = []
        self.letters: list[DeadLetter] = []

    async def publish(self, events: list[RawEvent], dead_letters: list[DeadLetter]) -> None:
        self.events += events
        self.letters += dead_letters


async def test_conditional_get_returns_nothing_when_unchanged(
    httpserver: HTTPServer, demo_feeds: Path
) -> None:
    body = (demo_feeds / REUTERS).read_bytes()

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(body, headers={"ETag": '"v1"', "Content-Type": "application/rss+xml"})

    httpserver.expect_request("/feed").respond_with_handler(handler)
    async with httpx.AsyncClient() as client:
        source = HttpSource("reuters", httpserver.url_for("/feed"), client, 1_000_000, clock)
        first = await source.fetch()
        second = await source.fetch()
    assert isinstance(first, Document) and first.body == body
    assert second is None


async def test_server_errors_are_transient(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data("down", status=503)
    async with httpx.AsyncClient() as client:
        with pytest.raises(FetchError, match="503"):
            await HttpSource("x", httpserver.url_for("/feed"), client, 1000, clock).fetch()


async def test_bodies_over_the_limit_are_cut_off(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"<rss>" + b"x" * 5000)
    async with httpx.AsyncClient() as client:
        with pytest.raises(OversizedDocument) as info:
            await HttpSource("x", httpserver.url_for("/big"), client, 1000, clock).fetch()
    assert info.value.limit == 1000


async def test_a_feed_over_http_is_published_and_the_service_backs_off_on_failure(
    httpserver: HTTPServer, demo_feeds: Path
) -> None:
    body = (demo_feeds / REUTERS).read_bytes()
    httpserver.expect_ordered_request("/feed").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/feed").respond_with_data(body)
    publisher = ListPublisher()
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    metrics = IngestMetrics.create(CollectorRegistry())
    async with httpx.AsyncClient() as client:
        source = HttpSource("reuters", httpserver.url_for("/feed"), client, 1_000_000, clock)
        # interval=None: stop after the first successful pass.
        await run_source(source, sink(publisher), metrics, Schedule(interval=None, base_backoff=2),
                         clock, sleep, draw=lambda: 0.5)
    assert len(publisher.events) == 10
    assert delays == [1.0]  # one failure: half (jitter) of the 2 s base
    assert metrics.fetch_errors.labels("reuters")._value.get() == 1
    assert metrics.published.labels("reuters")._value.get() == 10
    assert metrics.last_success.labels("reuters")._value.get() == NOW.timestamp()


async def test_malformed_and_oversized_files_are_dead_lettered(
    fixtures: Path, tmp_path: Path
) -> None:
    publisher = ListPublisher()
    metrics = IngestMetrics.create(CollectorRegistry())
    truncated = fixtures / "malformed" / "truncated.rss"
    big = tmp_path / "big.rss"
    big.write_bytes(b"<rss>" + b"x" * 4096)
    for name, path, limit in (("broken", truncated, 1_000_000), ("big", big, 2048)):
        await run_source(FileSource(name, path, limit, clock), sink(publisher), metrics,
                         Schedule(interval=None), clock, _never)
    broken, oversized = publisher.letters
    assert broken.payload() == truncated.read_bytes()
    assert broken.stage == "parse_document" and "well-formed" in broken.reason
    assert oversized.stage == "size_limit" and oversized.payload() == big.read_bytes()[:2048]
    assert publisher.events == []
    assert metrics.invalid.labels("broken", "parse_document")._value.get() == 1
    assert metrics.invalid.labels("big", "size_limit")._value.get() == 1


async def test_a_missing_file_gives_up_after_a_few_attempts(tmp_path: Path) -> None:
    publisher = ListPublisher()
    metrics = IngestMetrics.create(CollectorRegistry())
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    await run_source(FileSource("gone", tmp_path / "nope.rss", 1000, clock), sink(publisher), metrics,
                     Schedule(interval=None), clock, sleep, draw=lambda: 1.0)
    assert delays == [1.0, 2.0]
    assert metrics.fetch_errors.labels("gone")._value.get() == 3


async def _never(_: float) -> None:
    raise AssertionError("no retry expected")


async def test_a_replay_waits_out_a_broker_outage_instead_of_giving_up(demo_feeds: Path) -> None:
    from aiokafka.errors import KafkaConnectionError

    class FlakyBroker(ListPublisher):
        def __init__(self, outages: int) -> None:
            super().__init__()
            self.outages = outages

        async def publish(self, events: list[RawEvent], dead_letters: list[DeadLetter]) -> None:
            if self.outages:
                self.outages -= 1
                raise KafkaConnectionError()
            await super().publish(events, dead_letters)

    publisher = FlakyBroker(outages=5)
    metrics = IngestMetrics.create(CollectorRegistry())

    async def sleep(_: float) -> None:
        return None

    source = FileSource("reuters", demo_feeds / REUTERS, 1_000_000, clock)
    await run_source(source, sink(publisher), metrics, Schedule(interval=None), clock, sleep)
    assert len(publisher.events) == 10
    assert metrics.publish_errors.labels("reuters")._value.get() == 5


async def test_re_polling_a_feed_publishes_nothing_new(demo_feeds: Path) -> None:
    publisher = ListPublisher()
    metrics = IngestMetrics.create(CollectorRegistry())
    shared = Sink(ParserHandler(parse_feed), publisher, MemorySeenSet(), MESSAGE_LIMIT)
    for _ in range(2):
        await run_source(FileSource("reuters", demo_feeds / REUTERS, 1_000_000, clock), shared,
                         metrics, Schedule(interval=None), clock, _never)
    assert len(publisher.events) == 10
    assert metrics.duplicates.labels("reuters")._value.get() == 10
