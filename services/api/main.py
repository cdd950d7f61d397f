"""The FastAPI application: routers and middleware only; clients arrive from the wiring."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry

from services.api.country_store import CountryStore
from services.api.metrics import ApiMetrics
from services.api.routes import countries as country_routes
from services.api.routes import events, health
from services.api.store import EventStore
from shared.ops_server import HealthCheck

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    store: EventStore,
    countries: CountryStore,
    checks: Mapping[str, HealthCheck],
    registry: CollectorRegistry,
    metrics: ApiMetrics,
    lifespan: Lifespan | None = None,
) -> FastAPI:
    app = FastAPI(title="brisk API", version="0.1.0", lifespan=lifespan)
    app.state.store = store
    app.state.countries = countries
    app.state.checks = dict(checks)
    app.state.registry = registry
    app.include_router(health.router)
    app.include_router(events.router)
    app.include_router(country_routes.router)

    @app.middleware("http")
    async def record_metrics(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        # The route template, not the path: bounded label values even for /v1/things/{id}.
        route = request.scope.get("route")
        name = getattr(route, "path", "unmatched")
        metrics.requests.labels(name, request.method, str(response.status_code)).inc()
        metrics.request_seconds.labels(name).observe(time.perf_counter() - started)
        return response

    return app

