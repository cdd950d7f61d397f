"""A stack that loses nothing, tested as a tester would: oversized and absurdly nested inputs
through the real ``brisk replay`` CLI and through ``POST /v1/ingest`` of a real ingest process,
on the real broker and Valkey. Bad items are dead-lettered, the good ones beside them published,
the exit code is 0 and nothing answers 500. With the broker gone the push endpoint answers 503
within seconds (never 202), and once a broker is back on the same port it takes items again."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from brisk.embedded import tansu_argv
from brisk.ports import free_port, wait_for_port
from brisk.processes import Child, spawn
from shared.ids import event_id
from shared.kafka import ensure_topics
from shared.schemas import DeadLetter, RawEvent
from shared.tokens import hash_token, new_token
from shared.topics import DEAD_LETTER, RAW_EVENTS
from tests.integration.conftest import ROOT, start_service
from tests.integration.kafka_reader import read_until, wait_for

pytestmark = pytest.mark.integration
BRISK = ROOT / ".venv" / "bin" / "brisk"
MESSAGE_LIMIT = 1024 * 1024  # BRISK_MAX_MESSAGE_BYTES' default
PUSH_LIMIT = 4 * MESSAGE_LIMIT  # so one pushed item can be too large for the topic
TOKEN = new_token()
PARTNER = "railcorp"


def item(native: str, **extra: object) -> dict[str, object]:
    return {"id": native, "title": f"corridor status {native}",
            "published_at": "2026-11-22T10:00:00Z", **extra}


def oversized(native: str) -> dict[str, object]:
    """Valid as an item, but its RawEvent is over the message limit."""
    return item(native, summary="s" * 19_000,
                fields={f"note{i}": "n" * 400_000 for i in range(3)})


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def raw_events(bootstrap: str, ids: set[str], timeout: float = 30) -> dict[str, RawEvent]:
    def found(values: list[bytes]) -> dict[str, RawEvent]:
        events = (RawEvent.from_bytes(v) for v in values)
        return {e.id: e for e in events if e.id in ids}

    values = asyncio.run(read_until(bootstrap, RAW_EVENTS.name,
                                    lambda vs: len(found(vs)) >= len(ids), timeout))
    return found(values)


def dead_letters(bootstrap: str, mine: str, expected: int, timeout: float = 30) -> list[DeadLetter]:
    """The dead letters whose source or reason contains ``mine``."""
    def found(values: list[bytes]) -> list[DeadLetter]:
        letters = (DeadLetter.from_bytes(v) for v in values)
        return [d for d in letters if mine in d.source or mine in d.reason]

    values = asyncio.run(read_until(bootstrap, DEAD_LETTER.name,
                                    lambda vs: len(found(vs)) >= expected, timeout))
    return found(values)


def metric(port: int, name: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    return sum(float(v) for v in re.findall(rf"^{name}{{[^}}]*}} (\S+)$", text, re.M))


def ready(port: int) -> tuple[int, dict[str, bool]]:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=10)
    except httpx.HTTPError:
        return 0, {}
    return response.status_code, response.json().get("checks", {})


def push(port: int, body: object) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(f"http://127.0.0.1:{port}/v1/ingest", content=content, timeout=30,
                      headers={"Authorization": f"Bearer {TOKEN}"})


def ingest_env(bootstrap: str, valkey_port: int, port: int, scope: str,
               feeds: list[dict[str, object]] | None = None) -> dict[str, str]:
    return {"BRISK_KAFKA_BOOTSTRAP": bootstrap,
            "BRISK_REDIS_URL": f"redis://127.0.0.1:{valkey_port}/4",
            "BRISK_INGEST_PORT": str(port), "BRISK_INGEST_FEEDS": json.dumps(feeds or []),
            "BRISK_INGEST_SEEN_SCOPE": scope, "BRISK_INGEST_PUBLISH_TIMEOUT_SECONDS": "3",
            "BRISK_MAX_MESSAGE_BYTES": str(MESSAGE_LIMIT),
            "BRISK_INGEST_PUSH_MAX_BYTES": str(PUSH_LIMIT),
            "BRISK_INGEST_PUSH_TOKEN_HASHES": json.dumps({PARTNER: hash_token(TOKEN)})}


def start_ingest(env: dict[str, str], logs: Path, port: int) -> Child:
    child = start_service("ingest", env, logs)
    if not wait_for(lambda: ready(port)[0] == 200, timeout=60):
        child.stop(timeout=15)
        pytest.fail(f"ingest did not become ready:\n{child.log_tail(30)}")
    return child


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:8]


def test_brisk_replay_dead_letters_bad_lines_publishes_the_rest_and_honours_the_scope(
    kafka_bootstrap: str, valkey_port: int, run_id: str, tmp_path: Path
) -> None:
    lines = [json.dumps(item("good-1")), nested(5_000), json.dumps(oversized("huge")),
             '{"id": "nan", "title": "t", "published_at": "2026-11-22T10:00:00Z", '
             '"fields": {"wait_hours": NaN}}', json.dumps(item("good-2"))]
    path = tmp_path / f"corridors-{run_id}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    source = f"replay-{run_id}"
    env = {**os.environ, "BRISK_KAFKA_BOOTSTRAP": kafka_bootstrap,
           "BRISK_REDIS_URL": f"redis://127.0.0.1:{valkey_port}/4",
           "BRISK_MAX_MESSAGE_BYTES": str(MESSAGE_LIMIT), "BRISK_INGEST_SEEN_SCOPE": run_id}
    argv = [str(BRISK), "replay", str(path), "--format", "jsonl", "--source", source]

    def replay(scope: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, env={**env, "BRISK_INGEST_SEEN_SCOPE": scope},
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)

    first = replay(run_id)
    assert first.returncode == 0, first.stderr
    assert "3 events, 2 published, 0 already published, 2 refused, 1 too large" in first.stdout
    good = {event_id(source, "good-1"), event_id(source, "good-2")}
    assert set(raw_events(kafka_bootstrap, good)) == good
    letters = dead_letters(kafka_bootstrap, str(path), 3)
    reasons = sorted((d.stage, d.reason.split(":")[0]) for d in letters)
    assert [stage for stage, _ in reasons] == ["parse_item", "parse_item", "size_limit"]
    assert any("nested deeper" in d.reason for d in letters)
    assert any("NaN is refused" in d.reason for d in letters)
    # The seen-set lives under the scope's prefix, and only what reached the topic is in it.
    keys = redis.Redis(port=valkey_port, db=4, decode_responses=True).keys(
        f"brisk:ingest:seen:{run_id}:*")
    assert {str(k).rsplit(":", 1)[1] for k in keys} == good

    again = replay(run_id)
    assert "0 published, 2 already published" in again.stdout, again.stderr
    fresh_scope = replay(f"{run_id}-b")  # e.g. a new in-memory broker: nothing is seen there
    assert "2 published, 0 already published" in fresh_scope.stdout, fresh_scope.stderr


def test_the_ingest_service_dead_letters_bad_inputs_and_never_answers_500(
    kafka_bootstrap: str, valkey_port: int, run_id: str, tmp_path: Path, logs: Path
) -> None:
    feed_file = tmp_path / "partner.jsonl"
    feed_file.write_text("\n".join([json.dumps(item(f"feed-{run_id}")), nested(5_000),
                                    json.dumps(oversized(f"feed-huge-{run_id}"))]) + "\n")
    feed = f"partner-{run_id}"
    port = free_port()
    env = ingest_env(kafka_bootstrap, valkey_port, port, run_id,
                     [{"name": feed, "format": "jsonl", "location": str(feed_file)}])
    child = start_ingest(env, logs, port)
    try:
        batch = {"items": [item(f"a-{run_id}"), oversized(f"big-{run_id}"), item(f"b-{run_id}")]}
        accepted = push(port, batch)
        assert accepted.status_code == 202, accepted.text
        assert accepted.json() == {"accepted": 2, "duplicates": 0, "refused": 1}
        deep = push(port, b'{"items": ' + nested(5_000).encode() + b"}")
        assert deep.status_code == 422 and "nested deeper" in deep.text
        not_finite = push(port, b'{"items": [{"id": "x", "title": "t", "published_at": '
                                b'"2026-11-22T10:00:00Z", "fields": {"n": Infinity}}]}')
        assert not_finite.status_code == 422 and "finite" in not_finite.text

        pushed = {event_id(f"push-{PARTNER}", f"{n}-{run_id}") for n in ("a", "b")}
        from_feed = {event_id(feed, f"feed-{run_id}")}
        assert set(raw_events(kafka_bootstrap, pushed | from_feed)) == pushed | from_feed
        big = event_id(f"push-{PARTNER}", f"big-{run_id}")
        [letter] = dead_letters(kafka_bootstrap, big, 1)
        assert letter.stage == "size_limit" and letter.payload_size > MESSAGE_LIMIT
        assert {d.stage for d in dead_letters(kafka_bootstrap, str(feed_file), 2)} == {
            "parse_item", "size_limit"}
        assert wait_for(lambda: metric(port, "brisk_ingest_invalid_total") >= 3, timeout=10)
        assert metric(port, "brisk_ingest_task_crashes_total") == 0
        status, checks = ready(port)
        assert status == 200 and checks[f"feed:{feed}"] is True
        assert child.alive()
    finally:
        child.stop(timeout=15)


def start_tansu(port: int, logs: Path, attempts: int = 40) -> Child:
    """Tansu on ``port``; a stopped Tansu's port may be unbindable for a while, so retry."""
    for attempt in range(attempts):
        broker = spawn(f"tansu-{port}-{attempt}", tansu_argv(port), {}, logs, ROOT)
        if wait_for_port(port, 3) and broker.alive():
            asyncio.run(ensure_topics(f"127.0.0.1:{port}"))
            return broker
        broker.stop(timeout=5)
        time.sleep(1)
    pytest.fail(f"Tansu could not bind {port} again")


@pytest.fixture
def own_broker(logs: Path) -> Iterator[tuple[int, list[Child]]]:
    """A broker of this test's own, to stop and restart; every one started is stopped by PID."""
    port = free_port()
    brokers = [start_tansu(port, logs)]
    try:
        yield port, brokers
    finally:
        for broker in brokers:
            broker.stop(timeout=10)


def test_the_push_endpoint_answers_503_without_a_broker_and_recovers_on_its_return(
    own_broker: tuple[int, list[Child]], valkey_port: int, run_id: str, logs: Path
) -> None:
    broker_port, brokers = own_broker
    bootstrap = f"127.0.0.1:{broker_port}"
    port = free_port()
    child = start_ingest(ingest_env(bootstrap, valkey_port, port, run_id), logs, port)
    try:
        assert push(port, {"items": [item(f"before-{run_id}")]}).status_code == 202

        brokers[0].stop(timeout=10)
        started = time.monotonic()
        gone = push(port, {"items": [item(f"during-{run_id}")]})
        assert gone.status_code == 503, gone.text
        assert gone.headers["Retry-After"] == "30"
        assert time.monotonic() - started < 15  # the publish timeout, not a hang
        status, checks = ready(port)
        assert status == 503 and checks["kafka"] is False and checks["redis"] is True

        brokers.append(start_tansu(broker_port, logs))  # a new, empty broker on the same port
        assert wait_for(lambda: ready(port)[0] == 200, timeout=60), child.log_tail(30)
        # The partner retries the 503'd item. The producer's own retry of the timed-out batch
        # may still race it (Tansu then fails the produce: a 503 again), but never 422 or 500.
        answers: list[httpx.Response] = []

        def retried() -> bool:
            answers.append(push(port, {"items": [item(f"during-{run_id}")]}))
            return answers[-1].status_code != 503

        assert wait_for(retried, timeout=30, interval=1)
        back = answers[-1]
        assert back.status_code == 202, back.text
        assert back.json()["accepted"] == 1  # a 503 marked nothing seen
        during = event_id(f"push-{PARTNER}", f"during-{run_id}")
        assert during in raw_events(bootstrap, {during})
        assert child.alive()
    finally:
        child.stop(timeout=15)
