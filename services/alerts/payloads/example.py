"""A realistic notification — a PAK/political group, one alert firing, one resolved — for the
payload examples in ``docs/examples`` (and for a receiver's "send a test notification").

``python -m services.alerts.payloads.example [directory]`` rewrites the examples; a unit test
checks they match the renderers.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.alerts.payloads.content import NotificationContent
from services.alerts.payloads.render import RENDERERS
from shared.alerting.state import AlertGroup, Notified, RouteTarget
from shared.schemas import Alert, AlertReason, Explanation
from shared.schemas.alert import EventScore
from shared.schemas.scored_event import RiskScores

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
CREATED = datetime(2026, 11, 22, 12, 0, 30, tzinfo=UTC)
FIRING_ID = "4c55437438cd45f5f59d2625ad3670ae"
RESOLVED_ID = "ca0d69af56f41715e50b13a706927c5d"
GROUP_ID = "65fbe3e20e075e0dd30f0a8620aaa164"
NOTIFICATION_ID = "ntf_51bea5c0f2b548ba888b958c9f221112"


def example_content(external_url: str = "http://127.0.0.1:8000") -> NotificationContent:
    base_labels = {"tenant": "acme", "rule": "pak-political", "kind": "event",
                   "category": "political", "country": "PAK", "source": "rss"}
    firing = Alert(
        tenant="acme", id=FIRING_ID, fingerprint=FIRING_ID,
        rule="pak-political", kind="event", status="firing",
        labels={**base_labels, "severity_level": "high", "entity": "Gwadar Port"},
        severity=82.5, category="political", countries=["PAK"],
        title="Militants attack convoy near Gwadar port; CPEC works suspended",
        url="https://www.dawn.com/news/example-gwadar-attack",
        reason=AlertReason(
            summary="severity 82.5 ≥ 70 · political · PAK",
            matched={"category": "political", "country": "PAK"},
            explanations=[
                Explanation(category="political", feature="lexicon:armed_attack", weight=38.0,
                            evidence="militants attacked a convoy"),
                Explanation(category="political", feature="entity:port", weight=21.5,
                            evidence="Gwadar Port (PKGWD)"),
            ],
            events=[
                EventScore(id="e41b0c9d2a7f4e18b6c35d0f9a2e7c41",
                           title="Militants attack convoy near Gwadar port; CPEC works suspended",
                           severity=82.5,
                           scores=RiskScores(regulatory=12.0, political=82.5, supply_chain=64.0),
                           url="https://www.dawn.com/news/example-gwadar-attack",
                           published_at=CREATED - timedelta(minutes=7)),
                EventScore(id="b7d3e5f1a9c2048e6d1f3b5a7c9e0d24",
                           title="Gwadar port operations halted after convoy attack",
                           severity=74.0,
                           scores=RiskScores(regulatory=5.0, political=74.0, supply_chain=70.0),
                           url=None, published_at=CREATED - timedelta(minutes=2)),
            ]),
        event_ids=["e41b0c9d2a7f4e18b6c35d0f9a2e7c41", "b7d3e5f1a9c2048e6d1f3b5a7c9e0d24"],
        episode=1,
        starts_at=CREATED - timedelta(minutes=6), updated_at=CREATED - timedelta(minutes=1))
    resolved = Alert(
        tenant="acme", id=RESOLVED_ID, fingerprint=RESOLVED_ID,
        rule="pak-political", kind="event", status="resolved",
        labels={**base_labels, "severity_level": "medium"},
        severity=71.0, category="political", countries=["PAK"],
        title="Opposition protests block Islamabad Expressway",
        url="https://www.geo.tv/latest/example-islamabad-protests",
        reason=AlertReason(
            summary="severity 71 ≥ 70 · political · PAK",
            matched={"category": "political", "country": "PAK"},
            explanations=[
                Explanation(category="political", feature="lexicon:protest", weight=29.0,
                            evidence="thousands of protesters blocked the expressway"),
            ]),
        event_ids=["0c5a9e3f7b1d4826a4e0c8b2d6f1a3e5"],
        episode=2,
        starts_at=CREATED - timedelta(hours=3), updated_at=CREATED - timedelta(hours=1, minutes=5),
        ends_at=CREATED - timedelta(minutes=5))
    group = AlertGroup(
        id=GROUP_ID, tenant="acme",
        target=RouteTarget(route_id="0.1", receiver="risk-webhook", group_by=("category", "country"),
                           group_wait=timedelta(seconds=30), group_interval=timedelta(minutes=5),
                           repeat_interval=timedelta(hours=4)),
        labels={"category": "political", "country": "PAK"},
        created_at=CREATED - timedelta(hours=3), next_flush_at=CREATED,
        notified=Notified(firing=frozenset({resolved.id}), at=CREATED - timedelta(hours=2)))
    return NotificationContent(
        id=NOTIFICATION_ID, tenant="acme", receiver="risk-webhook", group=group,
        firing=[firing], resolved=[resolved], external_url=external_url, created_at=CREATED,
        reason="new alerts added")


def example_documents() -> dict[str, str]:
    """File name → pretty JSON of each format's rendering of ``example_content()``."""
    content = example_content()
    return {f"webhook-{name}.json": json.dumps(renderer(content, 0), indent=2, ensure_ascii=False)
            + "\n" for name, renderer in RENDERERS.items()}


def main(argv: list[str]) -> None:
    directory = Path(argv[0]) if argv else EXAMPLES
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in example_documents().items():
        (directory / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
