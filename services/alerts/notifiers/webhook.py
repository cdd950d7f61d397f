"""POST a notification as a Standard Webhooks signed message.

Each attempt is signed afresh with the notification's own key and the current time
(``webhook-timestamp``, which receivers check against replays); ``webhook-id`` is the
notification's id on every attempt, so a receiver can drop a retried duplicate.
"""

from __future__ import annotations

import httpx

from services.alerts.notifiers.base import Delivery, Notification
from services.alerts.signer import signed_headers
from services.alerts.url_guard import UnsafeTarget, check_target
from shared.alerting.targets import AllowPrivate
from shared.clock import Clock

USER_AGENT = "brisk-alerts/0.1"


def is_retryable_status(status: int) -> bool:
    return status >= 500 or status in (408, 425, 429)


class WebhookNotifier:
    """Redirects are never followed: one could lead past the SSRF check on the URL.

    ``allow_private``: True allows every private target, a list of networks only those inside
    them, False none (``url_guard.check_target``).
    """

    def __init__(self, client: httpx.AsyncClient, clock: Clock, allow_private: AllowPrivate) -> None:
        self.client = client
        self.clock = clock
        self.allow_private = allow_private

    async def notify(self, notification: Notification) -> Delivery:
        try:
            await check_target(notification.url, self.allow_private)
        except UnsafeTarget as exc:
            return Delivery(ok=False, retryable=False, detail=f"refused target: {exc}")
        body = notification.body
        timestamp = int(self.clock().timestamp())
        headers = signed_headers(notification.key, notification.id, timestamp, body)
        headers["user-agent"] = USER_AGENT
        try:
            response = await self.client.post(
                notification.url, content=body, headers=headers, follow_redirects=False)
        except httpx.HTTPError as exc:
            return Delivery(ok=False, retryable=True, detail=f"{type(exc).__name__}: {exc}")
        status = response.status_code
        if response.is_success:
            return Delivery(ok=True, retryable=False, detail=f"HTTP {status}", status_code=status)
        detail = f"HTTP {status}" + (" (redirects are not followed)" if response.is_redirect else "")
        return Delivery(ok=False, retryable=is_retryable_status(status), detail=detail,
                        status_code=status)
