"""Dependencies as ``Annotated`` aliases; the wiring puts the real objects on ``app.state``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from prometheus_client import CollectorRegistry

from services.api.country_store import CountryStore
from services.api.store import EventStore
from shared.ops_server import HealthCheck


def get_store(request: Request) -> EventStore:
    store: EventStore = request.app.state.store
    return store


def get_countries(request: Request) -> CountryStore:
    countries: CountryStore = request.app.state.countries
    return countries


def get_checks(request: Request) -> dict[str, HealthCheck]:
    checks: dict[str, HealthCheck] = request.app.state.checks
    return checks


def get_registry(request: Request) -> CollectorRegistry:
    registry: CollectorRegistry = request.app.state.registry
    return registry


StoreDep = Annotated[EventStore, Depends(get_store)]
CountriesDep = Annotated[CountryStore, Depends(get_countries)]
ChecksDep = Annotated[dict[str, HealthCheck], Depends(get_checks)]
RegistryDep = Annotated[CollectorRegistry, Depends(get_registry)]
