"""One receiver format → one renderer; the body every notifier sends."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from services.alerts.payloads.alertmanager import render_alertmanager
from services.alerts.payloads.brisk import render_brisk
from services.alerts.payloads.content import NotificationContent
from services.alerts.payloads.slack import render_slack
from shared.alerting.config import ReceiverFormat

Renderer = Callable[[NotificationContent, int], dict[str, Any]]

RENDERERS: dict[ReceiverFormat, Renderer] = {
    "brisk": render_brisk,
    "alertmanager": render_alertmanager,
    "slack": render_slack,
}


def render(format: ReceiverFormat, content: NotificationContent, max_alerts: int) -> bytes:
    """Compact UTF-8 JSON (the exact bytes that are signed, stored once and sent on every
    attempt). ``max_alerts`` 0: no limit. A function of ``content``'s values only: equal
    content renders to equal bytes. Raises ``ValueError`` rather than write a NaN or infinity,
    which JSON has no token for (a receiver's parser would refuse the body on every retry)."""
    payload = RENDERERS[format](content, max_alerts)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")
