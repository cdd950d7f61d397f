"""A per-endpoint circuit breaker: a pure state machine over ``EndpointHealth``.

closed ──(``failure_threshold`` consecutive failed attempts)──▶ open until ``circuit_until``
open ──(due: ``before_attempt``)──▶ half_open: the next attempt is the probe
half_open ──success──▶ closed;  half_open ──failure──▶ open again, the cool-down doubled
any state ──failing continuously for ``disable_after``, or 410 Gone──▶ disabled (until enabled;
    disabled supersedes the circuit, which is left closed with no cool-down running)

While open, the endpoint's queue waits instead of hammering a receiver that is down; the doubled
cool-down (capped at ``max_cooldown``) backs off a receiver that stays down. Disabling after
five days of continuous failure (Svix's rule) stops the retries of an abandoned endpoint; its
notifications still queue, and ``brisk receiver enable`` resumes them.

How the worker maps a verdict (``delivery.verdict``) onto the breaker:
delivered → ``on_success``; retry → ``on_failure``; gone → ``on_gone``; fail → ``on_failure``.
A "fail for good" 4xx (or 3xx) is the receiver answering, but it is still a failed delivery:
an endpoint that refuses what we send is broken for us (a wrong URL, a rotated secret it no
longer accepts), so five such refusals in a row open the circuit like five 503s would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.alerting.delivery import EndpointHealth


@dataclass(frozen=True)
class CircuitPolicy:
    """``cooldown`` is the first open period; each re-opening without a success in between
    doubles it, up to ``max_cooldown``."""

    failure_threshold: int = 5
    cooldown: timedelta = timedelta(seconds=30)
    max_cooldown: timedelta = timedelta(minutes=10)
    disable_after: timedelta = timedelta(days=5)

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise ValueError(f"circuit failure_threshold must be at least 1, not {self.failure_threshold}")
        if self.cooldown <= timedelta(0):
            raise ValueError(f"circuit cooldown must be positive, not {self.cooldown}")
        if self.max_cooldown < self.cooldown:
            raise ValueError(f"circuit max_cooldown ({self.max_cooldown}) is below its cooldown "
                             f"({self.cooldown})")
        if self.disable_after <= timedelta(0):
            raise ValueError(f"circuit disable_after must be positive, not {self.disable_after}")

    def cooldown_for(self, openings: int) -> timedelta:
        """The open period of the ``openings``-th consecutive opening (1 = the first)."""
        period = self.cooldown
        for _ in range(openings - 1):  # stops at the cap: no overflow however many openings
            if period >= self.max_cooldown:
                break
            period *= 2
        return min(period, self.max_cooldown)


_DISABLED: dict[str, object] = {"circuit": "closed", "circuit_until": None, "circuit_opened": 0}
"""Disabling supersedes the circuit: a disabled endpoint has no cool-down running (one would
only expire unseen), and enabling it starts closed."""


def may_attempt(health: EndpointHealth, now: datetime) -> bool:
    """Whether an attempt may be made now: not disabled, and closed, half_open (the probe), or
    open with its cool-down over. An open circuit without ``circuit_until`` counts as due,
    so a damaged row cannot block an endpoint for ever."""
    if health.disabled_at is not None:
        return False
    if health.circuit != "open":
        return True
    return health.circuit_until is None or health.circuit_until <= now


def before_attempt(health: EndpointHealth, now: datetime) -> EndpointHealth:
    """Call before an attempt: an open circuit whose cool-down is over becomes half_open, so
    this attempt is the probe that closes or re-opens it. Anything else is returned as is."""
    if health.circuit == "open" and may_attempt(health, now):
        return health.model_copy(update={"circuit": "half_open", "circuit_until": None})
    return health


def on_success(health: EndpointHealth, now: datetime) -> EndpointHealth:
    """A delivered attempt closes the circuit and forgets the failures. A disabled endpoint
    stays disabled: only ``enabled`` (an operator's decision) clears that."""
    return health.model_copy(update={
        "circuit": "closed", "circuit_until": None, "circuit_opened": 0,
        "consecutive_failures": 0, "failing_since": None, "last_success_at": now,
    })


def on_failure(health: EndpointHealth, now: datetime, policy: CircuitPolicy) -> EndpointHealth:
    """A failed attempt (retryable or not). A failed probe (half_open, or an attempt made while
    open) re-opens with the cool-down doubled; a closed circuit reaching the threshold opens.
    Failing continuously for ``policy.disable_after`` disables the endpoint."""
    failures = health.consecutive_failures + 1
    failing_since = health.failing_since or now
    update: dict[str, object] = {"consecutive_failures": failures, "failing_since": failing_since}
    if health.circuit != "closed" or failures >= policy.failure_threshold:
        openings = health.circuit_opened + 1
        update |= {"circuit": "open", "circuit_opened": openings,
                   "circuit_until": now + policy.cooldown_for(openings)}
    if health.disabled_at is None and now - failing_since >= policy.disable_after:
        update |= _DISABLED | {
            "disabled_at": now,
            "disabled_reason": f"failing continuously since {failing_since.isoformat()}"}
    return health.model_copy(update=update)


def on_gone(health: EndpointHealth, now: datetime, reason: str) -> EndpointHealth:
    """The receiver answered 410 Gone: the endpoint is disabled now, for ``reason``. The
    attempt also counts as a failure (the endpoint is failing until it is enabled)."""
    return health.model_copy(update=_DISABLED | {
        "consecutive_failures": health.consecutive_failures + 1,
        "failing_since": health.failing_since or now,
        "disabled_at": now, "disabled_reason": reason,
    })


def enabled(health: EndpointHealth) -> EndpointHealth:
    """Re-enabled by an operator: closed, counters reset, disabled cleared; the next attempt is
    made at once. ``last_success_at`` is history and is kept."""
    return health.model_copy(update={
        "circuit": "closed", "circuit_until": None, "circuit_opened": 0,
        "consecutive_failures": 0, "failing_since": None,
        "disabled_at": None, "disabled_reason": None,
    })


def blocked_until(health: EndpointHealth) -> datetime | None:
    """When an open circuit lets the next attempt (the probe) through; None unless open."""
    return health.circuit_until if health.circuit == "open" else None
