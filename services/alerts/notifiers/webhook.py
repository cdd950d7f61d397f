"""POST an alert as a Standard Webhooks signed JSON message.

Body: ``{"type": "alert.firing"|"alert.resolved", "timestamp": …, "data": <Alert>}``. The
``webhook-id`` is stable per alert and status, so a receiver can drop a retried duplicate.
"""

from __future__ import annotations

import json

import httpx

from services.alerts.notifiers.base import Delivery
from services.alerts.signer import signed_headers
from services.alerts.url_guard import UnsafeTarget, check_target
from shared.clock import Clock
from shared.schemas import Alert

USER_AGENT = "brisk-alerts/0.1"


def message_id(alert: Alert) -> str:
    return f"msg_{alert.fingerprint}_{alert.status}"


def webhook_body(alert: Alert, clock: Clock) -> bytes:
    envelope = {
        "type": f"alert.{alert.status}",
        "timestamp": clock().isoformat(),
        "data": json.loads(alert.model_dump_json()),
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def is_retryable_status(status: int) -> bool:
    return status >= 500 or status in (408, 425, 429)


class WebhookNotifier:
    """``client`` must not follow redirects: a redirect could lead past the SSRF check."""

    def __init__(
        self,
        url: str,
        key: bytes,
        client: httpx.AsyncClient,
        clock: Clock,
        allow_private: bool,
    ) -> None:
        self.url = url
        self.key = key
        self.client = client
        self.clock = clock
        self.allow_private = allow_private

    async def notify(self, alert: Alert) -> Delivery:
        try:
            await check_target(self.url, self.allow_private)
        except UnsafeTarget as exc:
            return Delivery(ok=False, retryable=False, detail=f"refused target: {exc}")
        body = webhook_body(alert, self.clock)
        headers = signed_headers(self.key, message_id(alert), int(self.clock().timestamp()), body)
        headers["user-agent"] = USER_AGENT
        try:
            response = await self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Delivery(ok=False, retryable=True, detail=f"{type(exc).__name__}: {exc}")
        if response.is_success:
            return Delivery(ok=True, retryable=False, detail=f"HTTP {response.status_code}")
        return Delivery(
            ok=False,
            retryable=is_retryable_status(response.status_code),
            detail=f"HTTP {response.status_code}",
        )
