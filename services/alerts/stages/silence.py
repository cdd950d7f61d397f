"""Silence: alerts matched by an active silence (``starts_at <= now < ends_at``) are muted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shared.alerting.state import Silence
from shared.schemas.alert import Alert


def silenced(alerts: Sequence[Alert], silences: Sequence[Silence], now: datetime) -> dict[str, str]:
    """Alert id → id of the silence that mutes it: of those that do, the earliest to start
    (ties by id), so the answer is the same whatever order the store returns them in."""
    active = sorted((s for s in silences if s.active(now)), key=lambda s: (s.starts_at, s.id))
    muted: dict[str, str] = {}
    for alert in alerts:
        silence = next((s for s in active if s.mutes(alert.labels, now)), None)
        if silence is not None:
            muted[alert.id] = silence.id
    return muted
