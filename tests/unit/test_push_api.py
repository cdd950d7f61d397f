"""``POST /v1/ingest`` on a real aiohttp server on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry

from brisk.ports import free_port
from services.ingest.handlers import Handled
from services.ingest.pipeline import IngestOutcome, publish_handled
from services.ingest.push_api import PushEndpoint
from services.ingest.seen_set import MemorySeenSet
from services.ingest.sources.base import Document
from shared.ops_server import OpsServer
from shared.schemas import DeadLetter, RawEvent
from shared.tokens import hash_token, new_token

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TOKEN = new_token()
CORRIDORS = Path(__file__).resolve().parents[2] / "demo" / "push" / "corridor_status.jsonl"
LIMIT = 64 * 1024
MESSAGE_LIMIT = 32 * 1024  # below the body limit, so one item can be too large for the topic


class ListPublisher:
    """Keeps what it is given, or raises ``failure`` (the broker's answer) when one is set."""

    def __init__(self) -> None:
        self.events: list[RawEvent] = []
        self.letters: list[DeadLetter] = []
        self.failure: Exception | None = None

    async def publish(self, events: list[RawEvent], dead_letters: list[DeadLetter]) -> None:
        if self.failure is not None:
            raise self.failure
        self.events += events
        self.letters += dead_letters


@pytest.fixture
async def push() -> AsyncIterator[tuple[str, ListPublisher]]:
    publisher = ListPublisher()
    seen = MemorySeenSet()

    async def accept(doc: Document, handled: Handled) -> IngestOutcome:
        return await publish_handled(doc, handled, publisher, seen, NOW,
                                     max_message_bytes=MESSAGE_LIMIT)

    endpoint = PushEndpoint({"railcorp": hash_token(TOKEN)}, accept, lambda: NOW, LIMIT)
    port = free_port()
    server = OpsServer("ingest", CollectorRegistry(), {}, "127.0.0.1", port,
                       routes=[("POST", "/v1/ingest", endpoint.handle)], client_max_size=LIMIT)
    await server.start()
    yield f"http://127.0.0.1:{port}/v1/ingest", publisher
    await server.stop()


def corridor_batch() -> dict[str, object]:
    return {"items": [json.loads(line) for line in CORRIDORS.read_text().splitlines()]}


async def post(url: str, body: object, token: str | None = TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=content, headers=headers)


async def test_a_partner_batch_is_accepted_once(push: tuple[str, ListPublisher]) -> None:
    url, publisher = push
    first = await post(url, corridor_batch())
    again = await post(url, corridor_batch())
    assert first.status_code == 202 and first.json() == {"accepted": 3, "duplicates": 0, "refused": 0}
    assert again.json() == {"accepted": 0, "duplicates": 3, "refused": 0}
    khorgos = publisher.events[0]
    assert khorgos.source == "push-railcorp" and khorgos.kind == "shipping"
    assert khorgos.fields["crossing"] == "Khorgos" and khorgos.fields["wait_hours"] == 46


@pytest.mark.parametrize("token", [None, "brisk_wrong", ""])
async def test_without_a_valid_token_it_is_401(
    push: tuple[str, ListPublisher], token: str | None
) -> None:
    url, publisher = push
    response = await post(url, corridor_batch(), token=token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert publisher.events == []


async def test_an_invalid_item_is_422_naming_the_field(push: tuple[str, ListPublisher]) -> None:
    url, publisher = push
    batch = corridor_batch()
    del batch["items"][1]["title"]  # type: ignore[index]
    response = await post(url, batch)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "items", 1, "title"]
    assert publisher.events == []  # a batch is accepted whole or not at all


@pytest.mark.parametrize(
    ("body", "loc"),
    [(b"{not json", ["body"]), ({"items": []}, ["body", "items"]),
     ({"items": [{"id": "x", "title": "t", "published_at": "yesterday"}]},
      ["body", "items", 0, "published_at"]),
     ({"rows": []}, ["body", "items"])],
)
async def test_malformed_bodies_are_422(
    push: tuple[str, ListPublisher], body: object, loc: list[object]
) -> None:
    url, _ = push
    response = await post(url, body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc


async def test_a_body_over_the_limit_is_413(push: tuple[str, ListPublisher]) -> None:
    url, publisher = push
    item = json.loads(CORRIDORS.read_text().splitlines()[0])
    item["summary"] = "x" * (LIMIT + 1)
    response = await post(url, {"items": [item]})
    assert response.status_code == 413
    assert publisher.events == []


def test_tokens_are_matched_by_hash_only() -> None:
    from shared.tokens import match_token

    hashes = {"a": hash_token("brisk_one"), "b": hash_token("brisk_two")}
    assert match_token("brisk_two", hashes) == "b"
    assert match_token("brisk_three", hashes) is None
    assert "brisk_one" not in json.dumps(hashes)


@pytest.mark.parametrize(
    ("body", "says", "kind"),
    [(b'{"items": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", "nested deeper than the limit of 32",
      "json_depth"),
     (b'{"items": [{"id": "a", "title": "t", "published_at": "2026-11-22T10:00:00Z", '
      b'"fields": {"wait_hours": NaN}}]}', "NaN is refused", "json_number"),
     (b'{"items": [{"id": "a", "title": "t", "published_at": "2026-11-22T10:00:00Z", '
      b'"fields": {"wait_hours": 1e999}}]}', "only finite numbers", "json_number")],
)
async def test_json_over_a_limit_is_422_naming_it(
    push: tuple[str, ListPublisher], body: bytes, says: str, kind: str
) -> None:
    url, publisher = push
    response = await post(url, body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert says in error["msg"] and error["type"] == kind and error["loc"] == ["body"]
    assert publisher.events == []


async def test_an_item_too_large_for_the_topic_is_dead_lettered_and_the_rest_accepted(
    push: tuple[str, ListPublisher],
) -> None:
    url, publisher = push
    batch = corridor_batch()
    batch["items"][1]["summary"] = "x" * 19_000  # type: ignore[index]
    batch["items"][1]["fields"] = {"notes": "y" * 19_000}  # type: ignore[index]
    response = await post(url, batch)
    assert response.status_code == 202
    assert response.json() == {"accepted": 2, "duplicates": 0, "refused": 1}
    [letter] = publisher.letters
    assert letter.stage == "size_limit" and "BRISK_MAX_MESSAGE_BYTES" in letter.reason


async def test_an_unacknowledged_batch_is_503_with_retry_after_and_not_marked_seen(
    push: tuple[str, ListPublisher],
) -> None:
    from services.ingest.failures import PublishUnavailable

    url, publisher = push
    publisher.failure = PublishUnavailable("the broker did not acknowledge within 10 s")
    refused = await post(url, corridor_batch())
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
    publisher.failure = None
    retried = await post(url, corridor_batch())  # nothing was marked seen: all go through now
    assert retried.status_code == 202 and retried.json()["accepted"] == 3


async def test_a_batch_the_broker_refuses_for_good_is_422_not_503(
    push: tuple[str, ListPublisher],
) -> None:
    from services.ingest.failures import PublishRefused

    url, publisher = push
    publisher.failure = PublishRefused("the broker refused the records: InvalidTopicError")
    response = await post(url, corridor_batch())
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "publish_refused"
