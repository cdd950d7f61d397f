"""The aiohttp ops server on a real loopback port: liveness vs readiness, and its HTTP limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from brisk.ports import free_port
from shared.http_limits import HttpLimits
from shared.ops_server import OpsServer
from tests.slow_client import sent_until_closed

LIMITS = HttpLimits(header_timeout_seconds=0.5, body_timeout_seconds=1.0, max_header_bytes=2048)
redis_up = {"value": True}


async def redis_check() -> bool:
    return redis_up["value"]


async def broken_check() -> bool:
    raise ConnectionError("no route")


async def echo(request: web.Request) -> web.Response:
    return web.Response(body=await request.read())


@pytest.fixture
async def server() -> AsyncIterator[int]:
    redis_up["value"] = True
    port = free_port()
    ops = OpsServer("alerts", CollectorRegistry(), {"kafka": _true, "redis": redis_check},
                    "127.0.0.1", port, routes=[("POST", "/echo", echo)], limits=LIMITS)
    await ops.start()
    yield port
    await ops.stop()


async def _true() -> bool:
    return True


async def test_health_is_liveness_and_stays_200_while_a_dependency_is_down(server: int) -> None:
    redis_up["value"] = False
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server}") as client:
        health = await client.get("/health")
        ready = await client.get("/ready")
    assert health.status_code == 200 and health.json() == {"status": "ok", "service": "alerts"}
    assert ready.status_code == 503
    assert ready.json()["failed"] == ["redis"]
    assert ready.json()["checks"] == {"kafka": True, "redis": False}


async def test_ready_runs_its_checks_on_every_request(server: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server}") as client:
        assert (await client.get("/ready")).status_code == 200
        redis_up["value"] = False
        assert (await client.get("/ready")).status_code == 503
        redis_up["value"] = True
        assert (await client.get("/ready")).status_code == 200


async def test_a_check_that_raises_counts_as_failed() -> None:
    port = free_port()
    ops = OpsServer("ingest", CollectorRegistry(), {"kafka": broken_check}, "127.0.0.1", port)
    await ops.start()
    try:
        async with httpx.AsyncClient() as client:
            ready = await client.get(f"http://127.0.0.1:{port}/ready")
    finally:
        await ops.stop()
    assert ready.status_code == 503 and ready.json()["failed"] == ["kafka"]


async def test_half_a_header_line_is_disconnected_within_the_header_timeout(server: int) -> None:
    took, answer = await sent_until_closed(server, b"GET /health HTTP/1.1\r\nHost: loc")
    assert 0.4 <= took < 2.0 and answer == b""


async def test_a_header_trickled_byte_by_byte_is_disconnected_too(server: int) -> None:
    took, _ = await sent_until_closed(server, b"GET /health HTTP/1.1\r\n", trickle=b"X" * 100)
    assert took < 2.0


async def test_a_body_that_trickles_is_answered_408_and_closed(server: int) -> None:
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
    took, answer = await sent_until_closed(server, head, trickle=b"a" * 1000, every=0.1)
    assert 0.9 <= took < 3.0
    assert answer.startswith(b"HTTP/1.1 408")


async def test_a_prompt_body_is_echoed_and_the_connection_kept(server: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server}") as client:
        first = await client.post("/echo", content=b"x" * 100_000)
        second = await client.post("/echo", content=b"y")
    assert first.content == b"x" * 100_000 and second.content == b"y"


async def test_an_oversized_header_is_refused(server: int) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{server}/health",
                                    headers={"X-Big": "a" * 4096})
    assert response.status_code == 400
