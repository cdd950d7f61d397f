from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiokafka import ConsumerRecord
from prometheus_client import CollectorRegistry

from services.alerts.metrics import AlertsMetrics
from services.alerts.notifiers.base import Delivery
from services.alerts.pipeline import AlertPipeline
from services.alerts.retry import RetryPolicy, deliver
from services.alerts.rules import evaluate
from shared.schemas import Alert, DeadLetter, ScoredEvent
from tests.strategies import sample_raw

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def scored(severity: float = 80, category: str = "political", **change: object) -> ScoredEvent:
    return ScoredEvent.from_raw(
        sample_raw(), countries=["PAK", "CHN"], scores={"political": severity},
        severity=severity, confidence=0.5, category=category, scored_at=NOW,
        scorer_version="test", **change,
    )


def record(value: bytes) -> ConsumerRecord:
    return ConsumerRecord(topic="brisk.events.scored", partition=0, offset=7, timestamp=0,
                          timestamp_type=0, key=b"k", value=value, checksum=None,
                          serialized_key_size=1, serialized_value_size=len(value), headers=())


class ScriptedNotifier:
    def __init__(self, *outcomes: Delivery) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[Alert] = []

    async def notify(self, alert: Alert) -> Delivery:
        self.calls.append(alert)
        return self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]


class MemorySentLog:
    def __init__(self) -> None:
        self.keys: set[str] = set()

    async def seen(self, key: str) -> bool:
        return key in self.keys

    async def mark(self, key: str) -> None:
        self.keys.add(key)


OK = Delivery(ok=True, retryable=False, detail="HTTP 200")
DOWN = Delivery(ok=False, retryable=True, detail="HTTP 503")
GONE = Delivery(ok=False, retryable=False, detail="HTTP 410")


async def no_sleep(_: float) -> None:
    return None


def pipeline(notifier: ScriptedNotifier) -> tuple[AlertPipeline, list[Alert], list[DeadLetter]]:
    alerts: list[Alert] = []
    letters: list[DeadLetter] = []

    async def publish_alert(alert: Alert) -> None:
        alerts.append(alert)

    async def publish_letter(letter: DeadLetter) -> None:
        letters.append(letter)

    built = AlertPipeline(
        threshold=40, notifier=notifier, sent_log=MemorySentLog(), publish_alert=publish_alert,
        publish_dead_letter=publish_letter, policy=RetryPolicy(4, 1, 10),
        metrics=AlertsMetrics.create(CollectorRegistry()), clock=lambda: NOW, sleep=no_sleep,
        draw=lambda: 0.5,
    )
    return built, alerts, letters


@pytest.mark.parametrize(
    ("severity", "category", "fires"),
    [(80, "political", True), (40, "political", True), (39.9, "political", False),
     (90, "none", False)],
)
def test_severity_rule(severity: float, category: str, fires: bool) -> None:
    assert (evaluate(scored(severity, category), 40, NOW) is not None) is fires


def test_alert_fields() -> None:
    alert = evaluate(scored(), 40, NOW)
    assert alert is not None
    assert alert.group_key == "political|CHN,PAK"
    assert alert.event_ids == [scored().id]
    assert alert.starts_at == scored().published_at and alert.updated_at == NOW
    assert alert.id == evaluate(scored(), 40, NOW).id  # type: ignore[union-attr]


def test_one_story_is_one_alert() -> None:
    a = evaluate(scored(cluster_id="c" * 32), 40, NOW)
    b = evaluate(scored(cluster_id="c" * 32, id="1" * 32), 40, NOW)
    assert a is not None and b is not None and a.fingerprint == b.fingerprint


async def test_retries_until_delivered() -> None:
    notifier = ScriptedNotifier(DOWN, DOWN, OK)
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    alert = evaluate(scored(), 40, NOW)
    assert alert is not None
    delivery, attempts = await deliver(notifier, alert, RetryPolicy(6, 1, 10), sleep, lambda: 1.0)
    assert delivery.ok and attempts == 3
    assert delays == [1.0, 2.0]  # exponential, full jitter pinned at its ceiling


async def test_a_permanent_failure_is_not_retried() -> None:
    notifier = ScriptedNotifier(GONE)
    alert = evaluate(scored(), 40, NOW)
    assert alert is not None
    delivery, attempts = await deliver(notifier, alert, RetryPolicy(6, 1, 10), no_sleep,
                                       lambda: 0.0)
    assert not delivery.ok and attempts == 1


async def test_pipeline_publishes_notifies_and_never_repeats() -> None:
    notifier = ScriptedNotifier(OK)
    run, alerts, letters = pipeline(notifier)
    message = record(scored().to_bytes())
    await run.handle(message)
    await run.handle(message)  # redelivered after a restart
    assert len(alerts) == 1 and len(notifier.calls) == 1 and letters == []


async def test_undeliverable_alerts_are_dead_lettered_not_dropped() -> None:
    notifier = ScriptedNotifier(DOWN)
    run, alerts, letters = pipeline(notifier)
    await run.handle(record(scored().to_bytes()))
    assert len(notifier.calls) == 4
    [letter] = letters
    assert letter.stage == "notify_webhook" and "HTTP 503" in letter.reason
    assert Alert.from_bytes(letter.payload()) == alerts[0]


async def test_invalid_messages_are_dead_lettered_with_their_bytes() -> None:
    run, alerts, letters = pipeline(ScriptedNotifier(OK))
    await run.handle(record(b'{"severity": "high"}'))
    [letter] = letters
    assert letter.payload() == b'{"severity": "high"}'
    assert letter.offset == 7 and "severity" in letter.reason
    assert alerts == []
