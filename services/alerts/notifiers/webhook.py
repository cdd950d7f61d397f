"""POST a notification as a Standard Webhooks signed message — one attempt; the delivery worker
decides what its outcome means (``delivery/verdict.py``).

Each attempt is signed afresh with the current time (``webhook-timestamp``, which receivers check
against replays) and every key of the receiver (``webhook-signature`` lists one signature per key,
space-separated: a rotated-out key stays valid for its grace period). ``webhook-id`` is the
notification's id on every attempt, so a receiver can drop a retried duplicate. The client's
transport is ``PinnedTransport``: the address vetted by the SSRF guard is the address connected
to, and redirects are never followed (one could lead past the guard).
"""

from __future__ import annotations

import time

import httpx

from services.alerts.notifiers.base import Notification, Response
from services.alerts.signer import signed_headers
from services.alerts.url_guard import UnresolvableTarget, UnsafeTarget
from shared.clock import Clock

USER_AGENT = "brisk-alerts/0.1"


class WebhookNotifier:
    """``client`` must not follow redirects; ``excerpt_bytes`` bounds what is kept of a response
    body (and read of it: a larger body is not read further)."""

    def __init__(self, client: httpx.AsyncClient, clock: Clock, excerpt_bytes: int = 1024) -> None:
        self.client = client
        self.clock = clock
        self.excerpt_bytes = excerpt_bytes

    async def send(self, notification: Notification) -> Response:
        timestamp = int(self.clock().timestamp())
        headers = signed_headers(notification.keys, notification.id, timestamp, notification.body)
        headers["user-agent"] = USER_AGENT
        started = time.perf_counter()
        try:
            async with self.client.stream("POST", notification.url, content=notification.body,
                                          headers=headers, follow_redirects=False) as response:
                excerpt = await self._excerpt(response)
        except UnsafeTarget as exc:
            return Response(status_code=None, latency_ms=_since(started), refused=str(exc),
                            error=f"refused target: {exc}")
        except UnresolvableTarget as exc:
            return Response(status_code=None, latency_ms=_since(started), error=str(exc))
        except httpx.TimeoutException as exc:
            return Response(status_code=None, latency_ms=_since(started),
                            error=f"timeout ({type(exc).__name__})")
        except httpx.HTTPError as exc:
            return Response(status_code=None, latency_ms=_since(started),
                            error=f"{type(exc).__name__}: {exc}"[:500])
        return Response(status_code=response.status_code, latency_ms=_since(started),
                        headers=response.headers, excerpt=excerpt)

    async def _excerpt(self, response: httpx.Response) -> str:
        data = b""
        async for chunk in response.aiter_raw():
            data += chunk
            if len(data) >= self.excerpt_bytes:
                break
        return data[: self.excerpt_bytes].decode("utf-8", errors="replace")


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
