"""Acknowledgements: someone has seen a firing alert, so its repeat notifications are muted.

At most one open ack per alert (a unique index). An ack ends when the alert resolves
(``resolved``), by ``unack`` (``unacked``), when a new ack takes its place (``replaced``), or
by passing its ``expires_at`` — an expired ack is not live, and is closed as ``expired`` (at
its expiry time) the next time the alert's acks change. Ack and unack are recorded in the
alert's history and bump the tenant's revision.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from shared.alerting.state import Ack
from shared.stores.sql import fetch_all, fetch_one
from shared.stores.tenants import bump_revision

_COLUMNS = """a.alert_id, t.name AS tenant, a.by_whom AS "by", a.comment, a.created_at,
              a.expires_at, a.ended_at"""


class UnknownAlert(LookupError):
    """This tenant has no alert of that id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown alert"


class AlertNotFiring(Exception):
    """Only a firing alert can be acknowledged."""


async def ack_alert(conn: AsyncConnection[Any], tenant_id: int, alert_id: str, by: str,
                    comment: str, now: datetime, expires_at: datetime | None = None) -> Ack:
    """Acknowledge a firing alert of this tenant, replacing a live ack it has."""
    if not by.strip():
        raise ValueError("an acknowledgement needs the name of who gives it")
    if expires_at is not None and expires_at <= now:
        raise ValueError("an acknowledgement must expire after now")
    async with conn.transaction():
        alert = await fetch_one(conn, "SELECT status, episode FROM alerts WHERE tenant_id = %s"
                                      " AND id = %s FOR UPDATE", (tenant_id, alert_id))
        if alert is None:
            raise UnknownAlert(f"no alert {alert_id!r} for this tenant")
        if alert["status"] != "firing":
            raise AlertNotFiring(f"alert {alert_id!r} is {alert['status']}: only a firing alert can "
                                 "be acknowledged")
        await _end_open(conn, tenant_id, alert_id, now, "replaced")
        row = await fetch_one(
            conn, "WITH a AS (INSERT INTO acks (tenant_id, alert_id, episode, by_whom, comment,"
                  " created_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING *)"
                  " SELECT " + _COLUMNS + " FROM a JOIN tenants t ON t.id = a.tenant_id",
            (tenant_id, alert_id, alert["episode"], by, comment, now, expires_at))
        assert row is not None  # RETURNING gives the row inserted
        await _record(conn, tenant_id, alert_id, "acked", now,
                      {"by": by, "comment": comment,
                       "expires_at": expires_at.isoformat() if expires_at else None})
        await bump_revision(conn, tenant_id)
    return Ack.model_validate(row)


async def unack_alert(conn: AsyncConnection[Any], tenant_id: int, alert_id: str, by: str,
                      now: datetime) -> bool:
    """End the alert's live ack; False if it has none (or the alert is not this tenant's)."""
    async with conn.transaction():
        if not await _end_open(conn, tenant_id, alert_id, now, "unacked"):
            return False
        await _record(conn, tenant_id, alert_id, "unacked", now, {"by": by})
        await bump_revision(conn, tenant_id)
    return True


async def live_acks(conn: AsyncConnection[Any], tenant_id: int, alert_ids: Iterable[str],
                    now: datetime) -> dict[str, Ack]:
    """The live (open, unexpired) acks of these alerts, by alert id."""
    rows = await fetch_all(
        conn, "SELECT " + _COLUMNS + " FROM acks a JOIN tenants t ON t.id = a.tenant_id"
              " WHERE a.tenant_id = %s AND a.alert_id = ANY(%s::text[]) AND a.ended_at IS NULL"
              " AND (a.expires_at IS NULL OR a.expires_at > %s)",
        (tenant_id, list(alert_ids), now))
    return {row["alert_id"]: Ack.model_validate(row) for row in rows}


async def end_acks_on_resolve(conn: AsyncConnection[Any], tenant_id: int, alert_id: str,
                              now: datetime) -> int:
    """Close the alert's open ack as it resolves (the next episode starts unacknowledged);
    returns how many were closed. No revision bump: the alerts service itself resolves
    alerts, and needs no reload for it."""
    rows = await _closed(conn, tenant_id, alert_id, now, "resolved")
    return len(rows)


async def expire_acks(conn: AsyncConnection[Any], now: datetime) -> list[Ack]:
    """Close every tenant's acks whose ``expires_at`` has passed, as ``expired`` at that time,
    and return them (the alerts service's sweep records each in the alert's history and lets
    the repeats resume). The one query across tenants: each row returned names its tenant."""
    rows = await fetch_all(
        conn, "WITH a AS (UPDATE acks SET ended_at = expires_at, ended_reason = 'expired'"
              " WHERE ended_at IS NULL AND expires_at <= %s RETURNING *)"
              " SELECT " + _COLUMNS + " FROM a JOIN tenants t ON t.id = a.tenant_id"
              " ORDER BY a.expires_at", (now,))
    return [Ack.model_validate(row) for row in rows]


async def _end_open(conn: AsyncConnection[Any], tenant_id: int, alert_id: str, now: datetime,
                    reason: str) -> bool:
    """Close the open ack: as ``reason`` if live, as ``expired`` at its expiry if not. True if
    a live one was ended."""
    return any(row["live"] for row in await _closed(conn, tenant_id, alert_id, now, reason))


async def _closed(conn: AsyncConnection[Any], tenant_id: int, alert_id: str, now: datetime,
                  reason: str) -> list[dict[str, Any]]:
    return await fetch_all(
        conn, """UPDATE acks SET
                     ended_at = CASE WHEN expires_at <= %(now)s THEN expires_at ELSE %(now)s END,
                     ended_reason = CASE WHEN expires_at <= %(now)s THEN 'expired' ELSE %(reason)s END
                 WHERE tenant_id = %(tenant)s AND alert_id = %(alert)s AND ended_at IS NULL
                 RETURNING ended_reason <> 'expired' AS live""",
        {"now": now, "reason": reason, "tenant": tenant_id, "alert": alert_id})


async def _record(conn: AsyncConnection[Any], tenant_id: int, alert_id: str, change: str,
                  at: datetime, detail: dict[str, Any]) -> None:
    await conn.execute("INSERT INTO alert_history (tenant_id, alert_id, change, at, detail)"
                       " VALUES (%s, %s, %s, %s, %s)", (tenant_id, alert_id, change, at, Jsonb(detail)))
