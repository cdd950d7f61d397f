from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from services.api.main import create_app
from services.api.metrics import ApiMetrics
from shared.schemas import CountryRisk, RiskScores, ScoredEvent
from tests.strategies import sample_raw

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class ListStore:
    def __init__(self, events: list[ScoredEvent]) -> None:
        self.events = events

    async def add(self, event: ScoredEvent) -> None:
        self.events.append(event)

    async def latest(self, limit: int) -> list[ScoredEvent]:
        return sorted(self.events, key=lambda e: e.published_at, reverse=True)[:limit]


class MemoryCountries:
    def __init__(self) -> None:
        self.risks = {r.country: r for r in (risk("PAK", 70), risk("SRB", 40), risk("KEN", 55))}

    async def put(self, value: CountryRisk) -> None:
        self.risks[value.country] = value

    async def all(self) -> list[CountryRisk]:
        return list(self.risks.values())

    async def get(self, country: str) -> CountryRisk | None:
        return self.risks.get(country)


def risk(country: str, overall: float) -> CountryRisk:
    return CountryRisk(country=country, index=RiskScores(political=overall), overall=overall,
                       event_count=3, updated_at=NOW)


def scored(i: int) -> ScoredEvent:
    raw = sample_raw(id=f"{i:032x}", published_at=NOW - timedelta(minutes=i))
    return ScoredEvent.from_raw(raw, scores={}, severity=0, confidence=0.5, category="none",
                                scored_at=NOW, scorer_version="test")


def client(healthy: bool = True) -> TestClient:
    async def check() -> bool:
        return healthy

    registry = CollectorRegistry()
    app = create_app(ListStore([scored(i) for i in range(5)]), MemoryCountries(), {"redis": check},
                     registry, ApiMetrics.create(registry))
    return TestClient(app)


def test_events_newest_first_with_a_limit() -> None:
    response = client().get("/v1/events", params={"limit": 3})
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["items"]]
    assert ids == [f"{i:032x}" for i in range(3)]


@pytest.mark.parametrize("limit", ["0", "1001", "ten"])
def test_a_bad_limit_is_a_422_naming_the_field(limit: str) -> None:
    response = client().get("/v1/events", params={"limit": limit})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_limit_up_to_1000_is_accepted() -> None:
    assert client().get("/v1/events", params={"limit": 1000}).status_code == 200


def test_ready_reports_each_check_and_names_the_failed_ones() -> None:
    ok = client().get("/ready")
    assert ok.status_code == 200 and ok.json()["checks"] == {"redis": True}
    down = client(healthy=False).get("/ready")
    assert down.status_code == 503 and down.json()["status"] == "unavailable"
    assert down.json()["failed"] == ["redis"]


def test_health_is_liveness_and_stays_200_while_a_dependency_is_down() -> None:
    response = client(healthy=False).get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok", "service": "api"}


def test_metrics_count_requests_by_route_template() -> None:
    api = client()
    api.get("/v1/events")
    api.get("/nowhere")
    body = api.get("/metrics").text
    assert 'brisk_api_requests_total{method="GET",route="/v1/events",status="200"} 1.0' in body
    assert 'route="unmatched"' in body


def test_countries_highest_risk_first() -> None:
    items = client().get("/v1/countries").json()["items"]
    assert [i["country"] for i in items] == ["PAK", "KEN", "SRB"]


@pytest.mark.parametrize(("path", "status"), [("/v1/countries/PAK", 200),
                                              ("/v1/countries/CHN", 404),
                                              ("/v1/countries/pk", 422)])
def test_one_country(path: str, status: int) -> None:
    response = client().get(path)
    assert response.status_code == status
    if status == 422:
        assert response.json()["detail"][0]["loc"] == ["path", "country"]
