"""The one interface every notifier implements; it reports whether a failure is worth a retry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Notification:
    """One rendered notification, ready to send.

    ``id`` is the webhook-id: the same on every attempt, so a receiver can drop a duplicate.
    ``key`` is the receiver's HMAC key (its decoded ``whsec_`` secret); kept out of ``repr``.
    ``body`` is sent and signed byte for byte.
    """

    id: str
    receiver: str
    url: str
    key: bytes = field(repr=False)
    body: bytes = field(repr=False)


@dataclass(frozen=True)
class Delivery:
    """One attempt's outcome. ``status_code``: the HTTP status, None if there was no response."""

    ok: bool
    retryable: bool
    detail: str
    status_code: int | None = None


class Notifier(Protocol):
    async def notify(self, notification: Notification) -> Delivery: ...
