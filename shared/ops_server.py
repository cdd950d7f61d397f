"""``/health``, ``/ready``, ``/metrics`` (and any extra routes) for services with no web framework.

``/health`` is liveness: 200 for as long as the process serves requests, whatever its
dependencies are doing — restarting a process because Redis is down would not bring Redis back.
``/ready`` is readiness: the conjunction of named async checks, run afresh on every request (a
broker round trip, a Redis ping, is the consumer loop still running); any failing check turns it
into a 503 that names it, so a load balancer or orchestrator stops sending work there.

The server applies ``HttpLimits``: a request head must arrive within the header timeout, a body
within the body timeout, and heads are bounded in size.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from aiohttp import web
from prometheus_client import CollectorRegistry

from shared.aiohttp_guards import body_deadline, handler_options
from shared.http_limits import HttpLimits
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
            log.warning("readiness check failed", extra={"check": name, "error": repr(exc)})
            results[name] = False
    return results


def health_body(service: str, results: dict[str, bool]) -> tuple[int, dict[str, object]]:
    """The readiness answer: 200 if every check passed, else 503 naming the ``failed`` ones."""
    failed = [name for name, ok in results.items() if not ok]
    body: dict[str, object] = {
        "status": "unavailable" if failed else "ok",
        "service": service,
        "checks": results,
        "failed": failed,
    }
    return (503 if failed else 200), body


def liveness_body(service: str) -> dict[str, object]:
    return {"status": "ok", "service": service}


class OpsServer:
    """A small aiohttp server on ``host:port`` serving liveness, readiness and metrics.

    ``checks`` are served at ``/ready``. ``limits`` defaults to ``HttpLimits()`` — the
    ``BRISK_HTTP_*`` environment — so a server whose wiring passes none still has them.
    """

    def __init__(
        self,
        service: str,
        registry: CollectorRegistry,
        checks: Mapping[str, HealthCheck],
        host: str,
        port: int,
        routes: Sequence[Route] = (),
        client_max_size: int = 1024**2,
        limits: HttpLimits | None = None,
    ) -> None:
        self.service = service
        self.routes = routes
        self.client_max_size = client_max_size
        self.registry = registry
        self.checks = checks
        self.host = host
        self.port = port
        self.limits = limits if limits is not None else HttpLimits()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=self.client_max_size,
                              middlewares=[body_deadline(self.limits.body_timeout_seconds)])
        app.router.add_get("/health", self._health)
        app.router.add_get("/ready", self._ready)
        app.router.add_get("/metrics", self._metrics)
        for method, path, handler in self.routes:
            app.router.add_route(method, path, handler)
        self._runner = web.AppRunner(app, access_log=None, **handler_options(self.limits))
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _health(self, _: web.Request) -> web.Response:
        return web.json_response(liveness_body(self.service))

    async def _ready(self, _: web.Request) -> web.Response:
        status, body = health_body(self.service, await run_checks(self.checks))
        return web.json_response(body, status=status)

    async def _metrics(self, _: web.Request) -> web.Response:
        payload, content_type = render(self.registry)
        return web.Response(body=payload, headers={"Content-Type": content_type})
