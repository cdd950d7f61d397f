"""POST a notification as a Standard Webhooks signed message — one attempt; the delivery worker
decides what its outcome means (``delivery/verdict.py``).

Each attempt is signed afresh with the current time (``webhook-timestamp``, which receivers check
against replays) and every key of the receiver (``webhook-signature`` lists one signature per key,
space-separated: a rotated-out key stays valid for its grace period). ``webhook-id`` is the
notification's id on every attempt, so a receiver can drop a retried duplicate. The session
checks the URL of every attempt and each address at every connect (``webhook_client``);
redirects are never followed (a receiver's answer must not choose where brisk sends next).
"""

from __future__ import annotations

import time

import aiohttp

from services.alerts.notifiers.base import Notification, Response
from services.alerts.signer import signed_headers
from services.alerts.url_guard import UnresolvableTarget, UnsafeTarget
from shared.clock import Clock

USER_AGENT = "brisk-alerts/0.1"


class WebhookNotifier:
    """``session`` is a ``webhook_client.webhook_session`` (it refuses unsafe targets);
    ``excerpt_bytes`` bounds what is kept of a response body (and read of it: a larger body is
    not read further)."""

    def __init__(self, session: aiohttp.ClientSession, clock: Clock,
                 excerpt_bytes: int = 1024) -> None:
        self.session = session
        self.clock = clock
        self.excerpt_bytes = excerpt_bytes

    async def send(self, notification: Notification) -> Response:
        started = time.perf_counter()
        try:
            timestamp = int(self.clock().timestamp())
            headers = signed_headers(notification.keys, notification.id, timestamp,
                                     notification.body)
            headers["user-agent"] = USER_AGENT
            async with self.session.post(notification.url, data=notification.body,
                                         headers=headers, allow_redirects=False) as response:
                excerpt = await self._excerpt(response)
        except UnsafeTarget as exc:
            return Response(status_code=None, latency_ms=_since(started), refused=str(exc),
                            error=f"refused target: {exc}")
        except UnresolvableTarget as exc:
            return Response(status_code=None, latency_ms=_since(started), error=str(exc))
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutErrors too
            return Response(status_code=None, latency_ms=_since(started),
                            error=f"timeout ({type(exc).__name__})")
        except aiohttp.ClientError as exc:
            return Response(status_code=None, latency_ms=_since(started),
                            error=f"{type(exc).__name__}: {exc}"[:500])
        return Response(status_code=response.status, latency_ms=_since(started),
                        headers=response.headers, excerpt=excerpt)

    async def _excerpt(self, response: aiohttp.ClientResponse) -> str:
        data = b""
        while len(data) < self.excerpt_bytes:
            chunk = await response.content.read(self.excerpt_bytes - len(data))
            if not chunk:
                break
            data += chunk
        return data.decode("utf-8", errors="replace")


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
