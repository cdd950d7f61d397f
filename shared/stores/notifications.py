"""The ``notifications`` table: the log of what each group sent to its receiver and how it went
(since 0002 also the outbox the delivery workers drain: ``shared/stores/outbox.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from shared.alerting.delivery import OutboxOutcome
from shared.alerting.state import NotificationRecord
from shared.stores.tenants import tenant_id as lookup_tenant_id

# Recording the same id again (the flush of an unchanged group retried after a failure) keeps
# what it carried and when it was made, and takes the latest outcome: recording one record
# twice is recording it once. A row of another tenant is never touched.
_RECORD = """
INSERT INTO notifications AS n (id, tenant_id, group_id, receiver, firing, resolved, created_at,
                                outcome, detail, attempts)
VALUES (%(id)s, %(tenant_id)s, %(group_id)s, %(receiver)s, %(firing)s::text[], %(resolved)s::text[],
        %(created_at)s, %(outcome)s, %(detail)s, %(attempts)s)
ON CONFLICT (id) DO UPDATE SET outcome = EXCLUDED.outcome, detail = EXCLUDED.detail,
                               attempts = EXCLUDED.attempts
WHERE n.tenant_id = EXCLUDED.tenant_id
"""


async def record_notification(conn: psycopg.AsyncConnection[Any], record: NotificationRecord) -> None:
    """Record it, or its new outcome (by ``record.id``). Raises UnknownTenant for an unknown
    tenant."""
    tenant = await lookup_tenant_id(conn, record.tenant)
    await conn.execute(_RECORD, {
        "id": record.id, "tenant_id": tenant, "group_id": record.group_id,
        "receiver": record.receiver, "firing": list(record.firing),
        "resolved": list(record.resolved), "created_at": record.created_at,
        "outcome": record.outcome, "detail": record.detail, "attempts": record.attempts})


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
