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


class ListPublisher:
    def __init__(self) -> None:
        self.events: list[RawEvent] = []

    async def publish(self, events: list[RawEvent], dead_letters: list[DeadLetter]) -> None:
        self.events += events


@pytest.fixture
async def push() -> AsyncIterator[tuple[str, ListPublisher]]:
    publisher = ListPublisher()
    seen = MemorySeenSet()

    async def accept(doc: Document, handled: Handled) -> IngestOutcome:
        return await publish_handled(doc, handled, publisher, seen, NOW)

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
    assert first.status_code == 202 and first.json() == {"accepted": 3, "duplicates": 0}
    assert again.json() == {"accepted": 0, "duplicates": 3}
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
