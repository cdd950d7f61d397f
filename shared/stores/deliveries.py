"""The delivery log (``delivery_attempts``: one row per HTTP attempt, written by the delivery
workers) and replaying dead notifications back into the outbox.

A replayed notification keeps its id — so its webhook-id, which receivers deduplicate on — and
its ``seq``, so it takes its old place in its endpoint's order: it goes out before anything
queued after it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from shared.alerting.delivery import AttemptRecord
from shared.alerting.state import NotificationRecord
from shared.stores.endpoints import require_receiver
from shared.stores.notifications import notification_log
from shared.stores.sql import fetch_all

# Newest first, by the delivery_attempts_by_tenant index. starts_with is a btree prefix search
# under the C collation (PostgreSQL 15+), which the embedded server uses.
_ATTEMPTS = """
SELECT a.notification_id, t.name AS tenant, a.receiver, a.attempt, a.at, a.outcome,
       a.status_code, a.latency_ms, a.error, a.response_excerpt, a.next_attempt_at
FROM delivery_attempts a JOIN tenants t ON t.id = a.tenant_id
WHERE a.tenant_id = %(tenant_id)s
  AND (%(receiver)s::text IS NULL OR a.receiver = %(receiver)s::text)
  AND (NOT %(failed_only)s OR a.outcome <> 'delivered')
  AND (%(notification)s::text IS NULL OR starts_with(a.notification_id, %(notification)s::text))
  AND (%(since)s::timestamptz IS NULL OR a.at >= %(since)s::timestamptz)
ORDER BY a.at DESC, a.id DESC
LIMIT %(limit)s
"""

# Back to a fresh pending state, due now. Only for receivers that still exist and have a URL:
# the others' dead notifications would have nowhere to go, so they stay dead.
_REPLAY = """
UPDATE notifications n
SET outcome = 'pending', attempts = 0, next_attempt_at = %(now)s, detail = ''
WHERE n.tenant_id = %(tenant_id)s AND n.outcome = 'dead'
  AND (%(receiver)s::text IS NULL OR n.receiver = %(receiver)s::text)
  AND (%(since)s::timestamptz IS NULL OR n.created_at >= %(since)s::timestamptz)
  AND EXISTS (SELECT 1 FROM receivers r
              WHERE r.tenant_id = n.tenant_id AND r.name = n.receiver AND r.url IS NOT NULL)
"""


async def list_attempts(conn: AsyncConnection[Any], tenant_id: int, *, receiver: str | None = None,
                        failed_only: bool = False, notification: str | None = None,
                        since: datetime | None = None, limit: int = 100) -> list[AttemptRecord]:
    """The tenant's delivery attempts, newest first: only ``receiver``'s, only those not
    delivered (``failed_only``), only those of the notification whose id is or starts with
    ``notification``, only those made at or after ``since`` — as given."""
    rows = await fetch_all(conn, _ATTEMPTS, {
        "tenant_id": tenant_id, "receiver": receiver, "failed_only": failed_only,
        "notification": notification, "since": since, "limit": limit})
    return [AttemptRecord.model_validate(row) for row in rows]


async def replay_dead(conn: AsyncConnection[Any], tenant_id: int, now: datetime, *,
                      receiver: str | None = None, since: datetime | None = None) -> int:
    """Queue the tenant's dead notifications (only ``receiver``'s, only those created at or after
    ``since``, if given) again: pending, no attempts made, due ``now``. Returns how many. Raises
    UnknownReceiver for a ``receiver`` the tenant does not have."""
    async with conn.transaction():
        if receiver is not None:
            await require_receiver(conn, tenant_id, receiver)
        cur = await conn.execute(_REPLAY, {"tenant_id": tenant_id, "now": now,
                                           "receiver": receiver, "since": since})
        return cur.rowcount


async def list_dead(conn: AsyncConnection[Any], tenant_id: int, receiver: str | None = None,
                    limit: int = 100) -> list[NotificationRecord]:
    """The tenant's dead notifications (only ``receiver``'s if given), newest first."""
    return [entry.record for entry in await notification_log(conn, tenant_id, receiver, limit,
                                                             outcome="dead")]
