"""The thin slice end to end on real parts: an RSS feed served over HTTP goes in; a signed
webhook comes out at a local receiver; the API lists the scored events; malformed input lands
in the dead-letter topic with its bytes. The four services run as real processes."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook
from werkzeug import Request, Response

from brisk.ports import free_port
from brisk.processes import Child
from services.ingest.parsers.feed import parse_feed
from services.ingest.sources.base import Document
from shared.schemas import DeadLetter
from shared.topics import DEAD_LETTER, RAW_EVENTS
from tests.integration.conftest import RunningPostgres, fresh_database, start_service, tansu_broker
from tests.integration.kafka_reader import read_until, wait_for

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REUTERS = ROOT / "demo" / "feeds" / "reuters_worldnews_2018-01-30.rss"
TRUNCATED = ROOT / "tests" / "fixtures" / "malformed" / "truncated.rss"
SECRET = "whsec_" + base64.b64encode(b"integration-test-secret-32-bytes").decode()


@dataclass
class Stack:
    bootstrap: str
    api: str
    feed_name: str
    hooks: list[tuple[bytes, dict[str, str]]]
    children: list[Child]


@pytest.fixture(scope="module")
def kafka(logs: Path) -> Iterator[str]:
    """A broker of this module's own: the API lists exactly what this slice fed it."""
    with tansu_broker(logs) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="module")
def stack(
    kafka: str, valkey_port: int, postgres_server: RunningPostgres, logs: Path,
    tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    kafka_bootstrap = kafka
    server = HTTPServer(host="127.0.0.1", port=free_port())
    server.start()
    hooks: list[tuple[bytes, dict[str, str]]] = []

    def receive(request: Request) -> Response:
        hooks.append((request.get_data(), {k.lower(): v for k, v in request.headers.items()}))
        return Response(status=204)

    server.expect_request("/reuters.rss").respond_with_data(
        REUTERS.read_bytes(), content_type="application/rss+xml")
    server.expect_request("/broken.rss").respond_with_data(TRUNCATED.read_bytes())
    server.expect_request("/hook", method="POST").respond_with_handler(receive)

    run = uuid.uuid4().hex[:8]  # the broker is shared: every group in this run is new
    feed_name = f"reuters-{run}"
    api_port = free_port()
    common = {"BRISK_KAFKA_BOOTSTRAP": kafka_bootstrap,
              "BRISK_REDIS_URL": f"redis://127.0.0.1:{valkey_port}/2", "BRISK_LOG_LEVEL": "INFO",
              "BRISK_POSTGRES_URL": fresh_database(postgres_server)}
    env = {
        "scorer": {"BRISK_SCORER_PORT": str(free_port()), "BRISK_SCORER_APP_ID": f"scorer-{run}",
                   "BRISK_SCORER_DATA_DIR": str(tmp_path_factory.mktemp("scorer"))},
        "api": {"BRISK_API_PORT": str(api_port), "BRISK_API_GROUP_ID": f"api-{run}"},
        "alerts": {"BRISK_ALERTS_PORT": str(free_port()), "BRISK_ALERTS_GROUP_ID": f"al-{run}",
                   "BRISK_ALERTS_WEBHOOK_URL": server.url_for("/hook"),
                   "BRISK_ALERTS_WEBHOOK_SECRET": SECRET,
                   "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS": "true"},
        "ingest": {"BRISK_INGEST_PORT": str(free_port()), "BRISK_INGEST_FEEDS": json.dumps([
            {"name": feed_name, "location": server.url_for("/reuters.rss"),
             "interval_seconds": 3600},
            {"name": f"broken-{run}", "location": server.url_for("/broken.rss"),
             "interval_seconds": 3600},
        ])},
    }
    children = [start_service(name, common | env[name], logs)
                for name in ("scorer", "api", "alerts", "ingest")]
    try:
        yield Stack(kafka_bootstrap, f"http://127.0.0.1:{api_port}", feed_name, hooks, children)
    finally:
        for child in reversed(children):
            child.stop(timeout=15)
        server.clear()
        server.stop()


def expected_ids(feed_name: str) -> set[str]:
    doc = Document(feed_name, "x", REUTERS.read_bytes(), datetime.now(UTC))
    return {e.id for e in parse_feed(doc).events}


def test_api_lists_every_scored_event_of_the_feed(stack: Stack) -> None:
    wanted = expected_ids(stack.feed_name)

    def listed() -> bool:
        try:
            items = httpx.get(f"{stack.api}/v1/events", params={"limit": 1000}).json()["items"]
        except httpx.HTTPError:
            return False
        return wanted <= {item["id"] for item in items}

    assert wait_for(listed, timeout=120), _logs(stack)
    health = httpx.get(f"{stack.api}/health")
    assert health.status_code == 200, health.text
    items = httpx.get(f"{stack.api}/v1/events", params={"limit": 1000}).json()["items"]
    ours = [i for i in items if i["id"] in wanted]
    assert all(i["scorer_version"] and "scores" in i for i in ours)
    published = [i["published_at"] for i in items]
    assert published == sorted(published, reverse=True)


def test_a_verified_signed_webhook_arrives(stack: Stack) -> None:
    wanted = expected_ids(stack.feed_name)
    assert wait_for(lambda: any(_event_ids(body) & wanted for body, _ in stack.hooks),
                    timeout=120), _logs(stack)
    for body, headers in stack.hooks:
        payload = Webhook(SECRET).verify(body, headers)  # raises unless the signature holds
        assert payload["type"] == "alert.group.firing" and payload["tenant"] == "default"
        assert all(a["severity"] >= 50 for a in payload["alerts"])  # the default threshold
    ours = [a for b, _ in stack.hooks for a in json.loads(b)["alerts"] if set(a["event_ids"]) & wanted]
    assert any("Idlib" in alert["title"] and alert["category"] == "political" for alert in ours)
    ids = [h["webhook-id"] for _, h in stack.hooks]
    assert len(ids) == len(set(ids)), "a notification was delivered twice"
    alert_ids = [a["id"] for b, _ in stack.hooks for a in json.loads(b)["alerts"]]
    assert len(alert_ids) == len(set(alert_ids)), "an alert was notified twice"


def test_a_malformed_feed_is_dead_lettered_with_its_bytes(stack: Stack) -> None:
    original = TRUNCATED.read_bytes()

    def found(values: list[bytes]) -> bool:
        return any(_letter(v, "ingest", original) for v in values)

    values = asyncio.run(read_until(stack.bootstrap, DEAD_LETTER.name, found, timeout=60))
    [letter] = [lt for v in values if (lt := _letter(v, "ingest", original))][:1]
    assert letter.stage == "parse_document" and "well-formed" in letter.reason


def test_a_malformed_message_is_dead_lettered_by_the_scorer(stack: Stack) -> None:
    garbage = b'{"schema_version": 1, "title": "no id, no kind", "nonce": "' + \
        uuid.uuid4().hex.encode() + b'"}'

    async def produce_and_read() -> list[bytes]:
        producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(RAW_EVENTS.name, garbage, key=b"bad")
        finally:
            await producer.stop()
        return await read_until(stack.bootstrap, DEAD_LETTER.name,
                                lambda vs: any(_letter(v, "scorer", garbage) for v in vs), 60)

    letters = [lt for v in asyncio.run(produce_and_read()) if (lt := _letter(v, "scorer", garbage))]
    assert letters, "scorer did not dead-letter the malformed message"
    assert "kind" in letters[0].reason and letters[0].topic == RAW_EVENTS.name


def _letter(value: bytes, service: str, payload: bytes) -> DeadLetter | None:
    letter = DeadLetter.from_bytes(value)
    return letter if letter.service == service and letter.payload() == payload else None


def _event_ids(body: bytes) -> set[str]:
    return {e for a in json.loads(body)["alerts"] for e in a["event_ids"]}


def _logs(stack: Stack) -> str:
    return "\n".join(f"--- {c.name}\n{c.log_tail(15)}" for c in stack.children)
