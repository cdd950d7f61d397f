"""The one interface every notifier implements; it reports whether a failure is worth a retry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shared.schemas import Alert


@dataclass(frozen=True)
class Delivery:
    ok: bool
    retryable: bool
    detail: str


class Notifier(Protocol):
    async def notify(self, alert: Alert) -> Delivery: ...
