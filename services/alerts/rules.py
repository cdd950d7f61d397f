"""The first rule: fire when an event's severity reaches the threshold.

The fingerprint identifies what the alert is about (rule + story), so the same story seen again —
a redelivered message, a replayed feed — maps to the same alert and is delivered once.
"""

from __future__ import annotations

from datetime import datetime

from shared.ids import fingerprint
from shared.schemas import Alert, ScoredEvent

SEVERITY_RULE = "severity_threshold"


def group_key(event: ScoredEvent) -> str:
    """Alerts about the same category in the same countries group together."""
    countries = ",".join(sorted(event.countries)) or "global"
    return f"{event.category}|{countries}"


def evaluate(event: ScoredEvent, threshold: float, now: datetime) -> Alert | None:
    if event.severity < threshold or event.category == "none":
        return None
    story = event.cluster_id or event.id
    print_ = fingerprint(SEVERITY_RULE, story)
    return Alert(
        id=print_,
        fingerprint=print_,
        rule=SEVERITY_RULE,
        status="firing",
        severity=event.severity,
        category=event.category,
        group_key=group_key(event),
        countries=event.countries,
        title=event.title,
        url=event.url,
        event_ids=[event.id],
        starts_at=event.published_at,
        updated_at=now,
    )
