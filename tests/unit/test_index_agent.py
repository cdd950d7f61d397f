"""The country-index agent through ``agent.test_context()`` with the in-memory table store.

Sends to the risk topic are recorded instead of produced; table changelog writes are recorded
too (and still go through Faust's own path), so the tests can replay them into a fresh app the
way changelog recovery would. Recovery on the real broker is an integration test.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import faust
import faust.topics
import pytest

from services.scorer.index.country_index import (
    COUNTRY_EVENTS_TOPIC,
    CountryEvent,
    CountryIndexState,
    current,
)
from services.scorer.index.faust_index import (
    AGENT_NAME,
    TABLE_NAME,
    register_country_index,
    send_refresh_ticks,
)
from services.scorer.index.structural import StructuralBaseline
from shared.schemas import CountryRisk, RiskScores
from shared.topics import COUNTRY_RISK

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
BASELINES = {
    "PAK": StructuralBaseline("PAK", political=88.7, regulatory=67.6, supply_chain=61.6, wgi_year=2023),
    "SRB": StructuralBaseline("SRB", political=50.8, regulatory=49.4, supply_chain=49.8, wgi_year=2023),
}
Sent = list[tuple[str, bytes, bytes]]


@dataclass
class FakeClock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Recorded:
    risk: Sent
    changelog: list[tuple[str, Any, Any, int | None]]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    out = Recorded([], [])

    async def send(self: faust.topics.Topic, *, key: bytes, value: bytes, **_: Any) -> None:
        out.risk.append((self.get_topic_name(), key, value))

    original_send_soon = faust.topics.Topic.send_soon

    def send_soon(self: faust.topics.Topic, **kwargs: Any) -> Any:
        out.changelog.append((self.get_topic_name(), kwargs.get("key"), kwargs.get("value"),
                              kwargs.get("partition")))
        return original_send_soon(self, **kwargs)

    monkeypatch.setattr(faust.topics.Topic, "send", send)
    monkeypatch.setattr(faust.topics.Topic, "send_soon", send_soon)
    return out


AppFactory = Callable[[FakeClock], tuple[faust.App, Any]]


@pytest.fixture
def make_app(tmp_path: Path) -> AppFactory:
    numbers = itertools.count()

    def make(clock: FakeClock) -> tuple[faust.App, Any]:
        n = next(numbers)
        app = faust.App(f"brisk-index-test-{n}", broker="kafka://127.0.0.1:1", store="memory://",
                        datadir=str(tmp_path / f"app{n}"))
        source = app.topic(COUNTRY_EVENTS_TOPIC, key_type=bytes, value_type=bytes,
                           key_serializer="raw", value_serializer="raw", partitions=4)
        risk = app.topic(COUNTRY_RISK.name, key_serializer="raw", value_serializer="raw")
        agent = register_country_index(app, source, risk, BASELINES, clock=clock, refresh_seconds=None)
        return app, agent
    return make


def table_of(app: faust.App) -> Any:
    """The country-index table (Faust's own type stubs do not expose a Table's mapping API)."""
    return app.tables[TABLE_NAME]


def event(country: str, event_id: str, political: float, at: datetime = T0) -> bytes:
    return CountryEvent(country=country, scores=RiskScores(political=political), severity=political,
                        at=at, event_id=event_id).to_bytes()


async def test_an_event_updates_the_table_and_sends_the_country_risk(
    make_app: AppFactory, recorded: Recorded
) -> None:
    app, agent = make_app(FakeClock())
    assert app.agents[AGENT_NAME] is agent
    async with agent.test_context() as context:
        await context.put(key=b"PAK", value=event("PAK", "e1", 80), partition=2)
        [risk] = context.results.values()
    assert isinstance(risk, CountryRisk) and risk.country == "PAK" and risk.trend.political == "rising"
    assert recorded.risk == [(COUNTRY_RISK.name, b"PAK", risk.to_bytes())]
    state = CountryIndexState.from_dict(table_of(app)["PAK"])
    assert state.published is not None and state.decayed.count == 1
    [(topic, key, _, partition)] = recorded.changelog
    assert topic.endswith(TABLE_NAME + "-changelog") and key == "PAK" and partition == 2


async def test_a_redelivered_record_is_not_counted_twice(make_app: AppFactory, recorded: Recorded) -> None:
    app, agent = make_app(FakeClock())
    async with agent.test_context() as context:
        for _ in range(2):
            await context.put(key=b"PAK", value=event("PAK", "e1", 80), partition=1)
        results = list(context.results.values())
    assert isinstance(results[0], CountryRisk) and results[1] is None
    assert len(recorded.risk) == 1 and len(recorded.changelog) == 1
    assert CountryIndexState.from_dict(table_of(app)["PAK"]).decayed.count == 1


async def test_countries_keep_separate_state_and_unknown_ones_have_no_baseline(
    make_app: AppFactory, recorded: Recorded
) -> None:
    app, agent = make_app(FakeClock())
    async with agent.test_context() as context:
        await context.put(key=b"PAK", value=event("PAK", "e1", 80), partition=0)
        await context.put(key=b"SRB", value=event("SRB", "e2", 30), partition=3)
        await context.put(key=b"ATA", value=event("ATA", "e3", 100), partition=1)
    assert set(table_of(app).keys()) == {"PAK", "SRB", "ATA"}
    sent = {key: CountryRisk.from_bytes(value) for _, key, value in recorded.risk}
    assert sent[b"ATA"].index.regulatory == 0.0  # no baseline: events alone
    assert sent[b"PAK"].index.regulatory > 25 and sent[b"SRB"].index.political < sent[b"PAK"].index.political


async def test_an_invalid_record_is_skipped_without_stopping_the_agent(
    make_app: AppFactory, recorded: Recorded
) -> None:
    _, agent = make_app(FakeClock())
    async with agent.test_context() as context:
        await context.put(key=b"PAK", value=b'{"country": "pakistan"}', partition=0)
        await context.put(key=b"PAK", value=event("PAK", "e1", 80), partition=0)
        results = list(context.results.values())
    assert results[0] is None and isinstance(results[1], CountryRisk)
    assert len(recorded.risk) == 1


async def test_a_refresh_tick_publishes_the_decayed_index_with_a_falling_trend(
    make_app: AppFactory, recorded: Recorded
) -> None:
    clock = FakeClock()
    _, agent = make_app(clock)
    tick = CountryEvent(kind="refresh", country="PAK", at=T0).to_bytes()
    async with agent.test_context() as context:
        for n in range(6):
            await context.put(key=b"PAK", value=event("PAK", f"e{n}", 90), partition=0)
        clock.now = T0 + timedelta(days=3)
        await context.put(key=b"PAK", value=tick, partition=0)
        last = list(context.results.values())[-1]
    assert isinstance(last, CountryRisk) and last.trend.political == "falling"
    assert CountryRisk.from_bytes(recorded.risk[-1][2]) == last


async def test_state_recovered_from_the_changelog_gives_the_same_index_and_decisions(
    make_app: AppFactory, recorded: Recorded
) -> None:
    clock = FakeClock()
    first_app, first = make_app(clock)
    async with first.test_context() as context:
        for n in range(5):
            clock.now = T0 + timedelta(hours=n)
            await context.put(key=b"PAK", value=event("PAK", f"e{n}", 40 + 10 * n, clock.now), partition=0)
    changelog = [(key, json.loads(json.dumps(value))) for _, key, value, _ in recorded.changelog]

    second_app, second = make_app(clock)
    recovered = table_of(second_app)
    for key, value in changelog:  # what changelog recovery does: the last value per key wins
        recovered.data[key] = value
    later = T0 + timedelta(hours=30)
    original = CountryIndexState.from_dict(table_of(first_app)["PAK"])
    restored = CountryIndexState.from_dict(recovered["PAK"])
    assert restored == original
    assert current(restored, BASELINES["PAK"], later) == current(original, BASELINES["PAK"], later)

    clock.now = later
    outcomes = []
    for agent in (first, second):
        async with agent.test_context() as context:
            await context.put(key=b"PAK", value=event("PAK", "e4", 90, T0 + timedelta(hours=4)), partition=0)
            await context.put(key=b"PAK", value=event("PAK", "e9", 95, later), partition=0)
            outcomes.append(list(context.results.values()))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] is None and isinstance(outcomes[0][1], CountryRisk)  # e4 already counted


async def test_refresh_ticks_go_to_the_source_topic_keyed_by_country(
    make_app: AppFactory, recorded: Recorded
) -> None:
    app, _ = make_app(FakeClock())
    source = app.topic(COUNTRY_EVENTS_TOPIC, key_serializer="raw", value_serializer="raw")
    assert await send_refresh_ticks(["PAK", "SRB"], source, T0) == 2
    assert [(topic, key) for topic, key, _ in recorded.risk] == [(COUNTRY_EVENTS_TOPIC, b"PAK"),
                                                                (COUNTRY_EVENTS_TOPIC, b"SRB")]
    tick = CountryEvent.from_bytes(recorded.risk[0][2])
    assert tick.kind == "refresh" and tick.at == T0 and tick.event_id is None

