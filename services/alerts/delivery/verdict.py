"""What one HTTP attempt's result means for the notification: delivered, retry, fail or gone.

- 2xx: delivered.
- 5xx, 408, 429, a timeout or a connection error (no status, an error): retry.
- 410 Gone: the receiver says the endpoint no longer exists; it is disabled until enabled again.
- 3xx: fail for good. Redirects are never followed: one could lead past the SSRF check.
- any other 4xx: fail for good; the receiver understood and refused, and resending the same
  bytes will be refused the same way (the notification is dead and can be replayed).

429 and 503 honour ``Retry-After`` (RFC 9110 §10.2.3), clamped to 24 h, so a receiver that
asks for a longer pause than the schedule's next delay gets it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

VerdictKind = Literal["delivered", "retry", "fail", "gone"]

MAX_RETRY_AFTER = timedelta(hours=24)
"""Longer requests are clamped: one notification is never held back more than a day by one
answer (and a bogus far-future date cannot stall the endpoint's queue)."""

_RETRY_STATUSES = frozenset({408, 429})
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_DELTA_SECONDS = re.compile(r"[0-9]+", re.ASCII)


@dataclass(frozen=True)
class Verdict:
    """``reason`` is short text for the delivery log ("HTTP 503", "timeout"). ``retry_after``:
    the positive wait the receiver asked for (429 and 503 only); None when it asked for none."""

    kind: VerdictKind
    reason: str
    retry_after: timedelta | None = None


def judge(status: int | None, headers: Mapping[str, str], error: str | None,
          now: datetime) -> Verdict:
    """The verdict on one attempt: ``status`` is the response's status (None: no response, and
    ``error`` says why); ``headers`` the response's headers, looked up case-insensitively;
    ``now`` (aware) anchors an HTTP-date ``Retry-After``."""
    if status is None:
        return Verdict("retry", error or "no response")
    reason = f"HTTP {status}"
    if 200 <= status <= 299:
        return Verdict("delivered", reason)
    if 500 <= status <= 599 or status in _RETRY_STATUSES:
        retry_after = None
        if status in _RETRY_AFTER_STATUSES:
            value = _header(headers, "retry-after")
            retry_after = parse_retry_after(value, now) if value is not None else None
        return Verdict("retry", reason, retry_after)
    if status == 410:
        return Verdict("gone", f"{reason} (gone)")
    if 300 <= status <= 399:
        return Verdict("fail", f"{reason} (redirects are not followed)")
    if 400 <= status <= 499:
        return Verdict("fail", f"{reason} (not retried)")
    return Verdict("fail", f"{reason} (not a final HTTP status)")


def parse_retry_after(value: str, now: datetime) -> timedelta | None:
    """``Retry-After`` as a wait from ``now`` (aware): delta-seconds (``120``) or an HTTP-date
    (``Wed, 21 Oct 2015 07:28:00 GMT``, or the obsolete RFC 850 and asctime forms). Clamped to
    ``MAX_RETRY_AFTER``. None for garbage, a negative number, zero, or a date that is not in
    the future (the receiver asks for no wait, so the schedule decides). Never raises."""
    text = value.strip()
    if _DELTA_SECONDS.fullmatch(text):
        # More than 6 digits is beyond the clamp anyway (and keeps int() off huge strings).
        seconds = int(text) if len(text) <= 6 else None
        if seconds is None or seconds >= MAX_RETRY_AFTER.total_seconds():
            return MAX_RETRY_AFTER
        return timedelta(seconds=seconds) if seconds else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # asctime and "-0000" carry no zone; HTTP-dates are in UTC
        when = when.replace(tzinfo=UTC)
    try:
        wait = when - now
    except (TypeError, OverflowError):
        return None
    if wait <= timedelta(0):
        return None
    return min(wait, MAX_RETRY_AFTER)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """``headers[name]`` whatever the case of its key (a plain dict is case-sensitive)."""
    direct = headers.get(name)
    if direct is not None:
        return direct
    return next((value for key, value in headers.items() if key.lower() == name), None)
