"""Reading the ``notifications`` table: the log of what each group sent to its receiver and how
it went. The rows are written by the outbox (``shared/stores/outbox.py``: queued by a flush,
settled by the delivery workers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from shared.alerting.delivery import OutboxOutcome
from shared.alerting.state import NotificationRecord


@dataclass(frozen=True)
class LoggedNotification:
    """A notification as the log lists it: its record, and when a pending one is tried next."""

    record: NotificationRecord
    next_attempt_at: datetime | None


async def list_notifications(conn: psycopg.AsyncConnection[Any], tenant_id: int,
                             receiver: str | None = None, limit: int = 100) -> list[NotificationRecord]:
    """Its notifications, newest first; only ``receiver``'s if given."""
    return [entry.record for entry in await notification_log(conn, tenant_id, receiver, limit)]


async def notification_log(conn: psycopg.AsyncConnection[Any], tenant_id: int,
                           receiver: str | None = None, limit: int = 100,
                           outcome: OutboxOutcome | None = None) -> list[LoggedNotification]:
    """Its notifications, newest first, with the next attempt of the pending ones; only
    ``receiver``'s and only those with ``outcome`` if given."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute("""
            SELECT n.id, t.name AS tenant, n.group_id, n.receiver, n.firing, n.resolved,
                   n.created_at, n.outcome, n.detail, n.attempts,
                   CASE WHEN n.outcome = 'pending' THEN n.next_attempt_at END AS next_attempt_at
            FROM notifications n JOIN tenants t ON t.id = n.tenant_id
            WHERE n.tenant_id = %(tenant_id)s
              AND (%(receiver)s::text IS NULL OR n.receiver = %(receiver)s::text)
              AND (%(outcome)s::text IS NULL OR n.outcome = %(outcome)s::text)
            ORDER BY n.created_at DESC, n.id LIMIT %(limit)s""",
                          {"tenant_id": tenant_id, "receiver": receiver, "outcome": outcome,
                           "limit": limit})
        rows = await cur.fetchall()
    return [LoggedNotification(NotificationRecord.model_validate(r), r["next_attempt_at"])
            for r in rows]
