"""The one interface every notifier implements: make one attempt, report what happened."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Notification:
    """One rendered notification, ready to send.

    ``id`` is the webhook-id: the same on every attempt, so a receiver can drop a duplicate.
    ``keys`` are the receiver's HMAC keys (decoded ``whsec_`` secrets): the current one, then
    the previous one during a rotation's grace period — each signs the message. Kept out of
    ``repr``, as is ``body``, which is sent and signed byte for byte.
    """

    id: str
    receiver: str
    url: str
    keys: tuple[bytes, ...] = field(repr=False)
    body: bytes = field(repr=False)


@dataclass(frozen=True)
class Response:
    """What one attempt got back. ``status_code`` None: no response — then ``error`` says why
    (timeout, connection refused). ``refused``: the target was not allowed (SSRF guard), so
    nothing was sent and nothing will be. ``excerpt``: the first bytes of the response body."""

    status_code: int | None
    latency_ms: float
    headers: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None
    refused: str | None = None
    excerpt: str = ""


class Notifier(Protocol):
    async def send(self, notification: Notification) -> Response: ...
