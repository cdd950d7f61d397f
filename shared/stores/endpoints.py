"""Receiver administration: each endpoint's health and queue, disabling and enabling it, and
rotating its signing secret.

An endpoint is one tenant's receiver. Its ``endpoints`` row is written by the delivery workers
(circuit, failures) and by these functions; it may not exist yet — a receiver that was never
tried is healthy — so every write here is an ``INSERT … ON CONFLICT``. The workers read the
receiver's url, format and secrets at every batch: a change made here applies at the next one,
with no revision bump. Secrets are written here, never returned.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, LiteralString

from psycopg import AsyncConnection
from psycopg.errors import ForeignKeyViolation

from shared.alerting.delivery import EndpointHealth, EndpointSummary
from shared.alerting.webhook_secret import decode_secret
from shared.stores.sql import Row, fetch_all, fetch_one


class UnknownReceiver(LookupError):
    """The tenant has no receiver of that name; the message is one line for the CLI."""

    def __str__(self) -> str:  # LookupError would show its argument quoted
        return str(self.args[0]) if self.args else "unknown receiver"


_HEALTH = ("consecutive_failures", "failing_since", "circuit", "circuit_until", "circuit_opened",
           "disabled_at", "disabled_reason", "last_success_at")

# Every receiver, its health (NULLs: no row yet) and its queue. Each count is a lateral subquery
# so that it can use its partial index (outbox_by_endpoint, notifications_dead).
_LIST = """
SELECT t.name AS tenant, r.name AS receiver, r.url, r.format, r.previous_secret_until,
       e.consecutive_failures, e.failing_since, e.circuit, e.circuit_until, e.circuit_opened,
       e.disabled_at, e.disabled_reason, e.last_success_at,
       q.pending, q.oldest_pending_at, d.dead
FROM receivers r
JOIN tenants t ON t.id = r.tenant_id
LEFT JOIN endpoints e ON e.tenant_id = r.tenant_id AND e.receiver = r.name
CROSS JOIN LATERAL (
    SELECT count(*) AS pending, min(n.created_at) AS oldest_pending_at FROM notifications n
    WHERE n.tenant_id = r.tenant_id AND n.receiver = r.name AND n.outcome = 'pending') q
CROSS JOIN LATERAL (
    SELECT count(*) AS dead FROM notifications n
    WHERE n.tenant_id = r.tenant_id AND n.receiver = r.name AND n.outcome = 'dead') d
WHERE r.tenant_id = %s
ORDER BY r.name
"""

# The row as a fresh endpoint has it (the table's defaults), whether it existed or not. The
# SELECT yields nothing for an unknown receiver, so nothing is written and nothing returned.
_ENABLE = """
INSERT INTO endpoints AS e (tenant_id, receiver, updated_at)
SELECT r.tenant_id, r.name, %(now)s FROM receivers r
WHERE r.tenant_id = %(tenant_id)s AND r.name = %(receiver)s
ON CONFLICT (tenant_id, receiver) DO UPDATE SET
    consecutive_failures = 0, failing_since = NULL, circuit = 'closed', circuit_until = NULL,
    circuit_opened = 0, disabled_at = NULL, disabled_reason = NULL, updated_at = EXCLUDED.updated_at
RETURNING e.receiver
"""

# Disabling a disabled endpoint keeps when it stopped and takes the new reason.
_DISABLE = """
INSERT INTO endpoints AS e (tenant_id, receiver, disabled_at, disabled_reason, updated_at)
SELECT r.tenant_id, r.name, %(now)s, %(reason)s, %(now)s FROM receivers r
WHERE r.tenant_id = %(tenant_id)s AND r.name = %(receiver)s
ON CONFLICT (tenant_id, receiver) DO UPDATE SET
    disabled_at = COALESCE(e.disabled_at, EXCLUDED.disabled_at),
    disabled_reason = EXCLUDED.disabled_reason, updated_at = EXCLUDED.updated_at
RETURNING e.receiver
"""

# Due now, never later than it already was; the order stays the outbox's (seq).
_RESEND = """
UPDATE notifications SET next_attempt_at = LEAST(next_attempt_at, %(now)s)
WHERE tenant_id = %(tenant_id)s AND receiver = %(receiver)s AND outcome = 'pending'
"""

# The old secret becomes the previous one (a previous one still in its grace is dropped: there
# is one slot). A zero grace keeps none: the old secret stops verifying at once.
_ROTATE = """
UPDATE receivers SET
    previous_secret = CASE WHEN %(until)s::timestamptz IS NULL THEN NULL ELSE secret END,
    previous_secret_until = %(until)s::timestamptz,
    secret = %(secret)s, updated_at = %(now)s
WHERE tenant_id = %(tenant_id)s AND name = %(receiver)s
RETURNING name
"""


async def list_endpoints(conn: AsyncConnection[Any], tenant_id: int) -> list[EndpointSummary]:
    """Every receiver of the tenant by name, with its health (a default EndpointHealth when it was
    never tried), its pending and dead counts and its oldest pending notification's time."""
    return [_summary(row) for row in await fetch_all(conn, _LIST, (tenant_id,))]


async def enable_endpoint(conn: AsyncConnection[Any], tenant_id: int, receiver: str,
                          now: datetime) -> int:
    """Clear the endpoint's disabled state and start its health afresh (circuit closed, no
    failures), and make every pending notification of it due now: re-enabling resends what is
    pending, in order. Returns how many are pending. Raises UnknownReceiver."""
    params = {"tenant_id": tenant_id, "receiver": receiver, "now": now}
    async with conn.transaction():
        await _upsert(conn, _ENABLE, params)
        cur = await conn.execute(_RESEND, params)
        return cur.rowcount


async def disable_endpoint(conn: AsyncConnection[Any], tenant_id: int, receiver: str, reason: str,
                           now: datetime) -> None:
    """Stop every attempt to the endpoint until it is enabled; its notifications still queue.
    Already disabled: keeps ``disabled_at``, replaces the reason. Raises UnknownReceiver, or
    ValueError for an empty reason."""
    if not reason.strip():
        raise ValueError("disabling a receiver needs a reason")
    await _upsert(conn, _DISABLE, {"tenant_id": tenant_id, "receiver": receiver,
                                   "reason": reason.strip(), "now": now})


async def rotate_secret(conn: AsyncConnection[Any], tenant_id: int, receiver: str, new_secret: str,
                        grace: timedelta, now: datetime) -> datetime:
    """Make ``new_secret`` the receiver's secret; the current one stays valid (deliveries carry
    both signatures) until ``now + grace``, which is returned. Raises UnknownReceiver, or
    ValueError for a secret not of the ``whsec_`` form or a negative grace."""
    decode_secret(new_secret)
    if grace < timedelta(0):
        raise ValueError("the grace period of the old secret cannot be negative")
    until = now + grace
    row = await fetch_one(conn, _ROTATE, {
        "tenant_id": tenant_id, "receiver": receiver, "secret": new_secret, "now": now,
        "until": until if grace > timedelta(0) else None})
    if row is None:
        raise await _unknown(conn, tenant_id, receiver)
    return until


async def require_receiver(conn: AsyncConnection[Any], tenant_id: int, receiver: str) -> None:
    """Raises UnknownReceiver unless the tenant has ``receiver``."""
    if await fetch_one(conn, "SELECT 1 FROM receivers WHERE tenant_id = %s AND name = %s",
                       (tenant_id, receiver)) is None:
        raise await _unknown(conn, tenant_id, receiver)


async def _upsert(conn: AsyncConnection[Any], query: LiteralString, params: dict[str, Any]) -> None:
    """Run an endpoints upsert that selects its receiver; UnknownReceiver if there is none (or it
    was removed meanwhile: the savepoint keeps the caller's transaction usable)."""
    try:
        async with conn.transaction():
            row = await fetch_one(conn, query, params)
    except ForeignKeyViolation:
        row = None
    if row is None:
        raise await _unknown(conn, params["tenant_id"], params["receiver"])


async def _unknown(conn: AsyncConnection[Any], tenant_id: int, receiver: str) -> UnknownReceiver:
    row = await fetch_one(conn, "SELECT name FROM tenants WHERE id = %s", (tenant_id,))
    tenant = row["name"] if row else f"with id {tenant_id}"
    return UnknownReceiver(f"tenant {tenant} has no receiver {receiver!r}")


def _summary(row: Row) -> EndpointSummary:
    health = {k: row[k] for k in _HEALTH if row[k] is not None}
    return EndpointSummary(
        health=EndpointHealth(tenant=row["tenant"], receiver=row["receiver"], **health),
        url=row["url"], format=row["format"], pending=row["pending"],
        oldest_pending_at=row["oldest_pending_at"], dead=row["dead"],
        previous_secret_until=row["previous_secret_until"])
