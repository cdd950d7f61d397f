"""``/health``, ``/metrics`` (and any extra routes) for services with no web framework of their own.

Health is the conjunction of named async checks (is the Kafka client up, does Redis answer);
any failing check turns the answer into 503 so a supervisor or orchestrator can act on it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from aiohttp import web
from prometheus_client import CollectorRegistry

from shared.metrics import render

HealthCheck = Callable[[], Awaitable[bool]]
Route = tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]

log = logging.getLogger(__name__)


async def run_checks(checks: Mapping[str, HealthCheck]) -> dict[str, bool]:
    results: dict[str, bool] = {}
    for name, check in checks.items():
        try:
            results[name] = bool(await check())
        except Exception as exc:  # a broken dependency is an answer, not a crash
            log.warning("health check failed", extra={"check": name, "error": repr(exc)})
            results[name] = False
    return results


def health_body(service: str, results: dict[str, bool]) -> tuple[int, dict[str, object]]:
    healthy = all(results.values())
    body: dict[str, object] = {
        "status": "ok" if healthy else "unavailable",
        "service": service,
        "checks": results,
    }
    return (200 if healthy else 503), body


class OpsServer:
    """A small aiohttp server on ``host:port`` serving health and metrics."""

    def __init__(
        self,
        service: str,
        registry: CollectorRegistry,
        checks: Mapping[str, HealthCheck],
        host: str,
        port: int,
        routes: Sequence[Route] = (),
        client_max_size: int = 1024**2,
    ) -> None:
        self.service = service
        self.routes = routes
        self.client_max_size = client_max_size
        self.registry = registry
        self.checks = checks
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=self.client_max_size)
        app.router.add_get("/health", self._health)
        app.router.add_get("/metrics", self._metrics)
        for method, path, handler in self.routes:
            app.router.add_route(method, path, handler)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _health(self, _: web.Request) -> web.Response:
        status, body = health_body(self.service, await run_checks(self.checks))
        return web.json_response(body, status=status)

    async def _metrics(self, _: web.Request) -> web.Response:
        payload, content_type = render(self.registry)
        return web.Response(body=payload, headers={"Content-Type": content_type})
