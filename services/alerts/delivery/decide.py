"""What one attempt's response means for its notification and its endpoint — pure.

- delivered (2xx): done; the circuit closes.
- retry (5xx, 408, 429, timeouts, connection and DNS errors): due again after the schedule's next
  wait, or the receiver's ``Retry-After`` (429, 503) when that is longer — never sooner than it
  asked, and never more attempts than the schedule has: a spent schedule is dead.
- fail (other 4xx, 3xx, a target the SSRF guard refuses): dead at once — sending it again would
  get the same answer. It still counts as a failure of the endpoint.
- gone (410): the endpoint is disabled; the notification stays pending, so enabling the endpoint
  again resends it.
A failure feeds the circuit breaker; once it opens, the notification is not due before the
cool-down ends. ``stop``: the endpoint's queue may not go on now (the head waits for its retry,
the circuit is open, or the endpoint is disabled) — the order of an endpoint is kept because
nothing behind a waiting head is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.alerts.delivery import circuit
from services.alerts.delivery.circuit import CircuitPolicy
from services.alerts.delivery.schedule import RetrySchedule
from services.alerts.delivery.verdict import Verdict, judge
from services.alerts.notifiers.base import Response
from shared.alerting.delivery import AttemptOutcome, AttemptRecord, EndpointHealth, OutboxItem
from shared.stores.outbox import Settled, SettledOutcome


@dataclass(frozen=True)
class Decision:
    settled: Settled
    health: EndpointHealth
    stop: bool


def verdict_of(response: Response, now: datetime) -> Verdict:
    if response.refused is not None:
        return Verdict("fail", f"refused target: {response.refused}")
    return judge(response.status_code, response.headers, response.error, now)


def decide(item: OutboxItem, response: Response, health: EndpointHealth, schedule: RetrySchedule,
           policy: CircuitPolicy, now: datetime, draw: Callable[[], float]) -> Decision:
    verdict = verdict_of(response, now)
    attempt = item.attempts + 1

    def settled(outcome: SettledOutcome, next_at: datetime | None,
                logged: AttemptOutcome) -> Settled:
        # A disabled endpoint's notification stays due (so enabling resends it at once), but no
        # attempt is scheduled: the log says none rather than a time that will pass unused.
        record = AttemptRecord(
            notification_id=item.id, tenant=item.tenant, receiver=item.receiver, attempt=attempt,
            at=now, outcome=logged, status_code=response.status_code,
            latency_ms=round(response.latency_ms, 3), error=response.error or "",
            response_excerpt=response.excerpt,
            next_attempt_at=None if logged == "disabled" else next_at)
        return Settled(id=item.id, outcome=outcome, attempts=attempt,
                       next_attempt_at=next_at, detail=verdict.reason,
                       last_status=response.status_code, attempt=record)

    if verdict.kind == "delivered":
        return Decision(settled("delivered", None, "delivered"), circuit.on_success(health, now),
                        stop=False)
    if verdict.kind == "gone":
        gone = circuit.on_gone(health, now, f"{verdict.reason}: the receiver asked not to be called again")
        return Decision(settled("pending", now, "disabled"), gone, stop=True)
    failed = circuit.on_failure(health, now, policy)
    blocked = not circuit.may_attempt(failed, now)
    wait = None if verdict.kind == "fail" else schedule.next_delay(attempt, draw)
    if wait is not None and verdict.retry_after is not None:
        wait = max(wait, verdict.retry_after)  # never sooner than the receiver asked
    if wait is None or attempt >= schedule.max_attempts:
        return Decision(settled("dead", None, "dead"), failed, stop=blocked)
    next_at = now + wait
    until = circuit.blocked_until(failed)
    if until is not None and until > next_at:
        next_at = until
    return Decision(settled("pending", next_at, "retry"), failed, stop=True)


def unsendable(item: OutboxItem, reason: str) -> Settled:
    """A notification that cannot be attempted at all (its receiver was removed, or has no URL
    any more): dead, with no attempt logged."""
    return Settled(id=item.id, outcome="dead", attempts=item.attempts, next_attempt_at=None,
                   detail=reason, last_status=None, attempt=None)
