"""Every raw event is scored at least once through backlog starts, clean stops and SIGKILLs, and a
clean restart scores nothing again (issue 8; services/scorer/faust_consumer_fixes.py).

Before the fix, a scorer started with a backlog skipped records and scored others twice, and its
commits then crept one offset per commit interval, so the next clean restart scored thousands of
events again. Each phase here counts every record of ``brisk.events.scored`` by event id.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from brisk.ports import free_port
from brisk.processes import Child
from brisk.stack import http_ok
from shared.ids import event_id
from shared.schemas import RawEvent
from shared.topics import RAW_EVENTS, SCORED_EVENTS
from tests.integration.conftest import start_service, tansu_broker
from tests.integration.kafka_reader import read_all, wait_for

pytestmark = pytest.mark.integration

BACKLOG = 6000  # events per backlog: a few seconds' scoring for one worker
TITLES = [
    "Protesters clash with police in Karachi, Pakistan",
    "Port strike halts container traffic at Gwadar",
    "Government announces new export controls on rare earths",
    "Floods close the Karakoram Highway for a week",
    "Central bank raises interest rates in Sri Lanka",
]


@pytest.fixture(scope="module")
def kafka(logs: Path) -> Iterator[str]:
    with tansu_broker(logs) as bootstrap:
        yield bootstrap


def raw_events(run: str, start: int, count: int) -> list[RawEvent]:
    now = datetime.now(UTC)
    return [RawEvent(id=event_id(run, str(n)), kind="news", source=run,
                     title=f"{TITLES[n % len(TITLES)]} ({n})", published_at=now, fetched_at=now)
            for n in range(start, start + count)]


async def produce(bootstrap: str, events: list[RawEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=10,
                                max_batch_size=1_048_576, max_request_size=1_100_000)
    await producer.start()
    try:
        for event in events:
            await producer.send(RAW_EVENTS.name, event.to_bytes(), key=event.id.encode())
        await producer.flush()
    finally:
        await producer.stop()


def scored(kafka: str, idle_ms: int = 1000) -> Counter[str]:
    """How many times each event id was scored so far."""
    records = asyncio.run(read_all(kafka, SCORED_EVENTS.name, idle_ms))
    return Counter((r.key or b"").decode() for r in records)


def scorer(kafka: str, app_id: str, data: Path, logs: Path) -> tuple[Child, int]:
    port = free_port()
    child = start_service("scorer", {
        "BRISK_KAFKA_BOOTSTRAP": kafka, "BRISK_SCORER_APP_ID": app_id,
        "BRISK_SCORER_PORT": str(port), "BRISK_SCORER_DATA_DIR": str(data),
        "BRISK_SCORER_STORIES_CATCH_UP_SECONDS": "3"}, logs)
    return child, port


def scored_here(port: int) -> float:
    """Events this worker has scored, from its ``/metrics``."""
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except httpx.HTTPError:
        return 0
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("brisk_scorer_events_scored_total{"))


def until(check: Callable[[Counter[str]], bool], kafka: str, timeout: float,
          idle_ms: int = 1000) -> Counter[str]:
    counts: Counter[str] = Counter()

    def look() -> bool:
        nonlocal counts
        counts = scored(kafka, idle_ms)
        return check(counts)

    wait_for(look, timeout=timeout, interval=0.2)
    return counts


def kill(child: Child) -> None:
    os.killpg(child.pid, signal.SIGKILL)
    child.stop(timeout=5)


def test_every_event_is_scored_through_restarts_kills_and_a_backlog(
    kafka: str, logs: Path, tmp_path: Path
) -> None:
    app_id = f"delivery-{uuid.uuid4().hex[:6]}"
    run = app_id
    published: set[str] = set()
    report: list[str] = []
    started = time.monotonic()

    def publish(start: int, count: int) -> None:
        events = raw_events(run, start, count)
        asyncio.run(produce(kafka, events))
        published.update(e.id for e in events)

    def mine(counts: Counter[str]) -> Counter[str]:
        return Counter({k: n for k, n in counts.items() if k in published})

    def note(phase: str, counts: Counter[str]) -> None:
        counts = mine(counts)
        report.append(f"{time.monotonic() - started:.0f} s {phase}: published {len(published)}, "
                      f"scored {len(counts)}, "
                      f"duplicate records {sum(counts.values()) - len(counts)}")

    def ready(port: int) -> None:
        assert wait_for(http_ok(f"http://127.0.0.1:{port}/ready"), timeout=90), "not ready"

    def scoring(port: int) -> None:
        """Return once the worker has scored a first batch of the backlog (its /metrics)."""
        ready(port)
        assert wait_for(lambda: scored_here(port) > 0, timeout=60, interval=0.1), "not scoring"

    # 1. A backlog before the first start (a group without commits), stopped cleanly while
    # scoring it.
    publish(0, BACKLOG)
    one, port = scorer(kafka, app_id, tmp_path / "one", logs)
    try:
        scoring(port)
    finally:
        one.stop(timeout=20)
    note("clean stop mid-backlog", scored(kafka))

    # 2. More backlog; a start with committed offsets, SIGKILLed while scoring.
    publish(BACKLOG, BACKLOG)
    two, port = scorer(kafka, app_id, tmp_path / "two", logs)
    try:
        scoring(port)
    finally:
        kill(two)
    note("SIGKILL mid-backlog", scored(kafka))

    # 3. The next start (into a group with the killed member still in it) finishes the backlog;
    # it commits as it goes and at its clean stop.
    three, port = scorer(kafka, app_id, tmp_path / "three", logs)
    try:
        ready(port)
        done = until(lambda c: published <= set(c), kafka, 120)
        time.sleep(3)  # past a commit interval
    finally:
        three.stop(timeout=20)
    done = mine(scored(kafka))
    note("backlog done, clean stop", done)

    # 4. A clean restart scores nothing again.
    four, port = scorer(kafka, app_id, tmp_path / "four", logs)
    try:
        ready(port)
        time.sleep(5)  # what it would score again, it would score at once
        again = mine(scored(kafka))
    finally:
        four.stop(timeout=20)
    note("clean restart", again)
    print("\n".join([*report, f"run time {time.monotonic() - started:.0f} s"]))

    assert set(done) == published, "\n".join(report)
    assert sum(again.values()) == sum(done.values()), (
        "a clean restart scored events again:\n" + "\n".join(report))


def test_events_near_the_size_limit_are_scored_or_dead_lettered_and_their_batch_goes_on(
    kafka: str, logs: Path, tmp_path: Path
) -> None:
    """A RawEvent between Faust's old producer limit (1,000,000 B) and the 1 MiB limit failed the
    batch, and take_events committed the whole batch unscored. Now it is scored; one whose
    ScoredEvent would pass the limit is dead-lettered (a bounded head of the raw event), and the
    rest of the batch is scored either way."""
    from shared.schemas import DeadLetter
    from shared.topics import DEAD_LETTER
    from tests.integration.kafka_reader import read_until

    run = f"size-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)

    def big(name: str, size: int) -> RawEvent:
        event = RawEvent(id=event_id(run, name), kind="news", source=run, published_at=now,
                         fetched_at=now, title="Port strike halts traffic at Gwadar",
                         fields={"raw_xml": ""})
        pad = size - len(event.to_bytes())
        return event.model_copy(update={"fields": {"raw_xml": "d" * pad}})

    fits, too_big = big("fits", 1_030_000), big("too-big", 1_048_300)
    small = raw_events(run, 0, 20)
    asyncio.run(produce(kafka, [*small[:10], fits, too_big, *small[10:]]))
    worker, _ = scorer(kafka, f"{run}-app", tmp_path / "scorer", logs)
    try:
        wanted = {e.id for e in small} | {fits.id}
        counts = until(lambda c: wanted <= set(c), kafka, 90)
        assert wanted <= set(counts), worker.log_tail(30)
        letters = [DeadLetter.from_bytes(v) for v in asyncio.run(read_until(
            kafka, DEAD_LETTER.name, lambda vs: False, 3))]
        [letter] = [d for d in letters if d.stage == "size_limit" and d.source == RAW_EVENTS.name]
        assert letter.payload_size == len(too_big.to_bytes()) and letter.payload_truncated
        assert SCORED_EVENTS.name in letter.reason
        assert worker.alive() and too_big.id not in counts
    finally:
        worker.stop(timeout=20)
