"""The transactional outbox: ``notifications`` rows with outcome ``pending``, drained per endpoint
(tenant, receiver) strictly in ``seq`` order by the alerts service's delivery workers.

A flush calls ``enqueue`` inside the transaction that records the flush, so a notification exists
if and only if the flush happened; a worker reads an endpoint's head (``head``), attempts it, and
``settle``s the outcomes of a batch in one transaction: the notification rows, one
``delivery_attempts`` row per attempt, the endpoint's health. Until that commit nothing is lost —
a worker killed between sending and settling sends again, with the same ``webhook-id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from psycopg import AsyncConnection

from shared.alerting.delivery import AttemptRecord, EndpointHealth, OutboxItem
from shared.alerting.state import NotificationRecord
from shared.stores.sql import fetch_all, fetch_one


@dataclass(frozen=True)
class DueEndpoint:
    """An endpoint with a pending head notification (due at ``due_at``) and not disabled;
    ``failing``: its last attempt failed (``consecutive_failures > 0``)."""

    tenant_id: int
    tenant: str
    receiver: str
    due_at: datetime
    failing: bool = False


@dataclass(frozen=True)
class EndpointTarget:
    """What a worker needs to send to a receiver, read at every batch: a rotated secret applies at
    the next batch. ``previous_secret`` is None once its grace period is over."""

    url: str | None
    format: str
    secret: str
    previous_secret: str | None


SettledOutcome = Literal["pending", "delivered", "dead"]


@dataclass(frozen=True)
class Settled:
    """The outcome of one notification in a batch. ``outcome`` pending: attempted (or not) and
    due again at ``next_attempt_at``; ``attempt``: the log row of the attempt made, if any."""

    id: str
    outcome: SettledOutcome
    attempts: int
    next_attempt_at: datetime | None
    detail: str
    last_status: int | None
    attempt: AttemptRecord | None


_ENQUEUE = """
INSERT INTO notifications (id, tenant_id, group_id, receiver, firing, resolved, created_at, outcome,
                           detail, attempts, format, body, next_attempt_at)
VALUES (%(id)s, %(tenant_id)s, %(group_id)s, %(receiver)s, %(firing)s::text[], %(resolved)s::text[],
        %(created_at)s, %(outcome)s, '', 0, %(format)s, %(body)s, %(next_attempt_at)s)
ON CONFLICT (id) DO NOTHING
"""


async def enqueue(conn: AsyncConnection[Any], tenant_id: int, record: NotificationRecord,
                  fmt: str | None, body: bytes | None) -> bool:
    """Queue ``record`` for tenant ``tenant_id`` (outcome ``pending`` when there is a ``body``
    to send, due at its ``created_at``; else ``recorded``). An id already stored is left as it
    is: the same notification again. True when it was queued now."""
    cur = await conn.execute(_ENQUEUE, {
        "id": record.id, "tenant_id": tenant_id, "group_id": record.group_id,
        "receiver": record.receiver, "firing": list(record.firing),
        "resolved": list(record.resolved), "created_at": record.created_at,
        "outcome": "pending" if body is not None else "recorded", "format": fmt, "body": body,
        "next_attempt_at": record.created_at if body is not None else None})
    return cur.rowcount == 1


# The head of each endpoint's queue (the pending row with the lowest seq); due when the head is,
# and the endpoint is neither disabled nor inside an open circuit's cool-down. Endpoints that are
# not failing come first, so a crowd of failing ones never hides them from the dispatcher.
_DUE = """
WITH heads AS (
    SELECT DISTINCT ON (n.tenant_id, n.receiver) n.tenant_id, n.receiver, n.next_attempt_at
    FROM notifications n
    WHERE n.outcome = 'pending'
    ORDER BY n.tenant_id, n.receiver, n.seq)
SELECT h.tenant_id, t.name AS tenant, h.receiver,
       GREATEST(h.next_attempt_at, COALESCE(e.circuit_until, h.next_attempt_at)) AS due_at,
       COALESCE(e.consecutive_failures, 0) > 0 AS failing
FROM heads h
JOIN tenants t ON t.id = h.tenant_id
LEFT JOIN endpoints e ON e.tenant_id = h.tenant_id AND e.receiver = h.receiver
WHERE e.disabled_at IS NULL
ORDER BY failing, due_at
LIMIT %(limit)s
"""


async def due_endpoints(conn: AsyncConnection[Any], limit: int) -> list[DueEndpoint]:
    """Endpoints with something pending: those not failing first, each part soonest due first
    (due or not: the caller compares with its clock, and sleeps until the first one not yet
    due)."""
    rows = await fetch_all(conn, _DUE, {"limit": limit})
    return [DueEndpoint(r["tenant_id"], r["tenant"], r["receiver"], r["due_at"], r["failing"])
            for r in rows]


async def endpoint_target(conn: AsyncConnection[Any], tenant_id: int, receiver: str,
                          now: datetime) -> EndpointTarget | None:
    """The receiver's URL, format and signing secrets; None when it no longer exists."""
    row = await fetch_one(conn, """
        SELECT url, format, secret,
               CASE WHEN previous_secret_until > %(now)s THEN previous_secret END AS previous_secret
        FROM receivers WHERE tenant_id = %(tenant_id)s AND name = %(receiver)s""",
                          {"tenant_id": tenant_id, "receiver": receiver, "now": now})
    if row is None:
        return None
    return EndpointTarget(row["url"], row["format"], row["secret"], row["previous_secret"])


_HEALTH_COLUMNS = """consecutive_failures, failing_since, circuit, circuit_until, circuit_opened,
                     disabled_at, disabled_reason, last_success_at"""


async def load_health(conn: AsyncConnection[Any], tenant_id: int, tenant: str,
                      receiver: str) -> EndpointHealth:
    """The endpoint's health; a fresh (closed, never failed) one when it has no row yet."""
    row = await fetch_one(conn, "SELECT " + _HEALTH_COLUMNS + """ FROM endpoints
                          WHERE tenant_id = %s AND receiver = %s""", (tenant_id, receiver))
    return EndpointHealth(tenant=tenant, receiver=receiver, **(row or {}))


async def head(conn: AsyncConnection[Any], tenant_id: int, tenant: str, receiver: str,
               limit: int) -> list[OutboxItem]:
    """The endpoint's first ``limit`` pending notifications, in order."""
    rows = await fetch_all(conn, """
        SELECT id, receiver, seq, format, body, attempts, created_at, next_attempt_at
        FROM notifications
        WHERE tenant_id = %s AND receiver = %s AND outcome = 'pending'
        ORDER BY seq LIMIT %s""", (tenant_id, receiver, limit))
    return [OutboxItem(tenant=tenant, tenant_id=tenant_id, **{**r, "body": bytes(r["body"])})
            for r in rows]


_SETTLE = """
UPDATE notifications SET outcome = %(outcome)s, attempts = %(attempts)s,
       next_attempt_at = %(next_attempt_at)s, detail = %(detail)s, last_status = %(last_status)s,
       last_attempt_at = COALESCE(%(attempted_at)s, last_attempt_at),
       delivered_at = CASE WHEN %(outcome)s = 'delivered' THEN %(attempted_at)s END
WHERE tenant_id = %(tenant_id)s AND id = %(id)s AND outcome = 'pending'
RETURNING id, outcome
"""

_ATTEMPT = """
INSERT INTO delivery_attempts (tenant_id, notification_id, receiver, attempt, at, outcome,
                               status_code, latency_ms, error, response_excerpt, next_attempt_at)
VALUES (%(tenant_id)s, %(notification_id)s, %(receiver)s, %(attempt)s, %(at)s, %(outcome)s,
        %(status_code)s, %(latency_ms)s, %(error)s, %(response_excerpt)s, %(next_attempt_at)s)
"""

# Only while the receiver exists (a configuration applied meanwhile may have removed it).
_HEALTH = """
INSERT INTO endpoints (tenant_id, receiver, """ + _HEALTH_COLUMNS + """, updated_at)
SELECT %(tenant_id)s, %(receiver)s, %(consecutive_failures)s, %(failing_since)s, %(circuit)s,
       %(circuit_until)s, %(circuit_opened)s, %(disabled_at)s, %(disabled_reason)s,
       %(last_success_at)s, %(now)s
WHERE EXISTS (SELECT 1 FROM receivers WHERE tenant_id = %(tenant_id)s AND name = %(receiver)s)
ON CONFLICT (tenant_id, receiver) DO UPDATE SET
    consecutive_failures = EXCLUDED.consecutive_failures, failing_since = EXCLUDED.failing_since,
    circuit = EXCLUDED.circuit, circuit_until = EXCLUDED.circuit_until,
    circuit_opened = EXCLUDED.circuit_opened, disabled_at = EXCLUDED.disabled_at,
    disabled_reason = EXCLUDED.disabled_reason, last_success_at = EXCLUDED.last_success_at,
    updated_at = EXCLUDED.updated_at
WHERE endpoints.updated_at <= %(loaded_at)s
"""

# A dead notification's alerts say so in their history.
_DEAD_HISTORY = """
INSERT INTO alert_history (tenant_id, alert_id, change, at, detail)
SELECT n.tenant_id, a.alert_id, 'notify_failed', %(at)s,
       jsonb_build_object('receiver', n.receiver, 'notification', n.id, 'outcome', 'dead',
                          'detail', left(n.detail, 200))
FROM notifications n, unnest(n.firing || n.resolved) AS a(alert_id)
WHERE n.tenant_id = %(tenant_id)s AND n.id = ANY(%(ids)s::text[])
"""


async def settle(conn: AsyncConnection[Any], tenant_id: int, receiver: str,
                 outcomes: Sequence[Settled], health: EndpointHealth | None,
                 now: datetime, loaded_at: datetime | None = None) -> None:
    """Write a batch's outcomes, its attempts and (unless None) the endpoint's health — in the
    caller's transaction. A notification no longer pending (replayed, or settled by another
    worker after a lock was lost) is left alone. ``health`` was read at ``loaded_at``: if the
    row changed since (an operator enabled or disabled the endpoint), that change wins and this
    health is not written."""
    dead: list[str] = []  # only those this call settled: a second settle adds no history
    async with conn.cursor() as cur:
        await cur.executemany(_SETTLE, [
            {"tenant_id": tenant_id, "id": s.id, "outcome": s.outcome, "attempts": s.attempts,
             "next_attempt_at": s.next_attempt_at if s.outcome == "pending" else None,
             "detail": s.detail, "last_status": s.last_status,
             "attempted_at": s.attempt.at if s.attempt else None} for s in outcomes],
            returning=True)
        while outcomes:  # one result set per outcome
            dead.extend(row[0] for row in await cur.fetchall() if row[1] == "dead")
            if not cur.nextset():
                break
        attempts = [s.attempt for s in outcomes if s.attempt is not None]
        if attempts:
            await cur.executemany(_ATTEMPT, [
                {"tenant_id": tenant_id, **a.model_dump(exclude={"tenant"})} for a in attempts])
    if dead:
        await conn.execute(_DEAD_HISTORY, {"tenant_id": tenant_id, "ids": dead, "at": now})
    if health is not None:
        await conn.execute(_HEALTH, {"tenant_id": tenant_id, "receiver": receiver, "now": now,
                                     "loaded_at": loaded_at or now,
                                     **health.model_dump(exclude={"tenant", "receiver"})})


@dataclass(frozen=True)
class OutboxStats:
    """One endpoint's queue, for the metrics: ``circuit`` and ``disabled`` from its health."""

    tenant: str
    receiver: str
    pending: int
    oldest_pending_at: datetime | None
    dead: int
    circuit: str
    disabled: bool


async def outbox_stats(conn: AsyncConnection[Any]) -> list[OutboxStats]:
    """Every endpoint that has a queue, dead letters or a health row."""
    rows = await fetch_all(conn, """
        WITH q AS (
            SELECT tenant_id, receiver,
                   count(*) FILTER (WHERE outcome = 'pending') AS pending,
                   min(created_at) FILTER (WHERE outcome = 'pending') AS oldest_pending_at,
                   count(*) FILTER (WHERE outcome = 'dead') AS dead
            FROM notifications WHERE outcome IN ('pending', 'dead')
            GROUP BY tenant_id, receiver)
        SELECT t.name AS tenant, COALESCE(q.receiver, e.receiver) AS receiver,
               COALESCE(q.pending, 0) AS pending, q.oldest_pending_at, COALESCE(q.dead, 0) AS dead,
               COALESCE(e.circuit, 'closed') AS circuit, e.disabled_at IS NOT NULL AS disabled
        FROM q FULL JOIN endpoints e ON e.tenant_id = q.tenant_id AND e.receiver = q.receiver
        JOIN tenants t ON t.id = COALESCE(q.tenant_id, e.tenant_id)""")
    return [OutboxStats(**r) for r in rows]
