"""Aggregation groups (``alert_groups``, ``group_members``): Alertmanager's groups with their
timers stored, so a restart or another worker carries on where the last flush left off.

The timer ``next_flush_at`` is created + group_wait, then set by each flush (last flush +
group_interval). A worker claims due groups by pushing the timer out by a lease and commits; if it
dies before ``finish_flush`` the group is due again when the lease ends. Membership and
deletion both lock the group row, so an alert joining a group being deleted lands in a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from shared.alerting.state import AlertGroup, Notified, RouteTarget
from shared.schemas.alert import Alert
from shared.stores.alerts import ALERT_COLUMNS, alert_from_row

_GROUP_COLUMNS = "t.name AS tenant, g.id, g.target, g.labels, g.created_at, g.next_flush_at, g.notified"


@dataclass(frozen=True)
class GroupRow:
    group: AlertGroup
    alert_ids: list[str]


# The no-op update on conflict takes the group's row lock (see delete_group); old.id is NULL
# when the row was inserted.
_JOIN = """
WITH grp AS (
    INSERT INTO alert_groups AS g (tenant_id, id, route_id, receiver, target, labels, created_at,
                                   next_flush_at)
    VALUES (%(tenant_id)s, %(group_id)s, %(route_id)s, %(receiver)s, %(target)s, %(labels)s,
            %(now)s, %(first_flush)s)
    ON CONFLICT (tenant_id, id) DO UPDATE SET next_flush_at = g.next_flush_at
    RETURNING old.id IS NULL AS created, g.tenant_id, g.id),
member AS (
    INSERT INTO group_members (tenant_id, group_id, alert_id)
    SELECT grp.tenant_id, grp.id, %(alert_id)s FROM grp
    ON CONFLICT DO NOTHING)
SELECT created FROM grp
"""


async def join_group(conn: psycopg.AsyncConnection[Any], tenant_id: int, group_id: str,
                     target: RouteTarget, labels: dict[str, str], alert_id: str,
                     now: datetime) -> bool:
    """Put the alert in the group (idempotent), creating the group, due at now + group_wait, if
    it is new: True then. An existing group keeps its timer (a new alert waits for its next
    group_interval tick, as in Alertmanager)."""
    cur = await queue_join(conn, tenant_id, group_id, target, labels, alert_id, now)
    row = await cur.fetchone()
    return bool(row and row[0])


async def queue_join(conn: psycopg.AsyncConnection[Any], tenant_id: int, group_id: str,
                     target: RouteTarget, labels: dict[str, str], alert_id: str,
                     now: datetime) -> psycopg.AsyncCursor[Any]:
    """Send ``join_group``'s statement without reading its answer (inside ``conn.pipeline()``,
    many joins cost one round trip); the cursor holds whether the group is new."""
    return await conn.execute(_JOIN, {
        "tenant_id": tenant_id, "group_id": group_id, "route_id": target.route_id,
        "receiver": target.receiver, "target": Jsonb(target.model_dump(mode="json")),
        "labels": Jsonb(labels), "now": now, "first_flush": now + target.group_wait,
        "alert_id": alert_id})


_CLAIM = f"""
WITH due AS (
    SELECT tenant_id, id FROM alert_groups WHERE next_flush_at <= %(now)s
    ORDER BY next_flush_at LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED)
UPDATE alert_groups AS g SET next_flush_at = %(leased_until)s
FROM due JOIN tenants t ON t.id = due.tenant_id
WHERE g.tenant_id = due.tenant_id AND g.id = due.id
RETURNING {_GROUP_COLUMNS}
"""


async def claim_due_groups(conn: psycopg.AsyncConnection[Any], now: datetime, lease: timedelta,
                           limit: int) -> list[AlertGroup]:
    """Every tenant's groups due at ``now`` (at most ``limit``, most overdue first), their timer
    pushed to now + ``lease`` (which the returned groups show). Commit at once: the lease is what
    keeps other workers off them until ``finish_flush``; groups another worker is claiming are
    skipped."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_CLAIM, {"now": now, "limit": limit, "leased_until": now + lease})
        rows = await cur.fetchall()
    return sorted((_group(r) for r in rows), key=lambda g: (g.next_flush_at, g.tenant, g.id))


_MEMBERS = sql.SQL("""
SELECT {columns}, t.name AS tenant FROM group_members m
JOIN alerts a ON a.tenant_id = m.tenant_id AND a.id = m.alert_id
JOIN tenants t ON t.id = a.tenant_id
WHERE m.tenant_id = %s AND m.group_id = %s
ORDER BY a.starts_at, a.id
""").format(columns=ALERT_COLUMNS)


async def group_alerts(conn: psycopg.AsyncConnection[Any], tenant_id: int,
                       group_id: str) -> list[Alert]:
    """Its members, oldest first."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_MEMBERS, (tenant_id, group_id))
        return [alert_from_row(r) for r in await cur.fetchall()]


_FINISH = """
WITH dropped AS (
    DELETE FROM group_members m USING alerts a
    WHERE m.tenant_id = %(tenant_id)s AND m.group_id = %(group_id)s
      AND m.alert_id = ANY(%(drop)s::text[])
      AND a.tenant_id = m.tenant_id AND a.id = m.alert_id AND a.status = 'resolved')
UPDATE alert_groups SET next_flush_at = %(next_flush_at)s,
                        notified = coalesce(%(notified)s::jsonb, notified)
WHERE tenant_id = %(tenant_id)s AND id = %(group_id)s
"""


async def finish_flush(conn: psycopg.AsyncConnection[Any], tenant_id: int, group_id: str,
                       next_flush_at: datetime, notified: Notified | None,
                       drop_members: Sequence[str]) -> None:
    """End a flush: the next timer, what was notified (None: nothing was, keep the last) and
    the members to drop (resolved and notified; one that fired again meanwhile stays)."""
    await conn.execute(_FINISH, {
        "tenant_id": tenant_id, "group_id": group_id, "next_flush_at": next_flush_at,
        "notified": None if notified is None else Jsonb(_notified_json(notified)),
        "drop": list(drop_members)})


async def delete_group(conn: psycopg.AsyncConnection[Any], tenant_id: int, group_id: str) -> bool:
    """Delete the group unless one of its members is firing (resolved members go with it, as
    when a flush leaves none: ``FlushPlan.empty``); True if it was deleted."""
    async with conn.transaction():
        # Lock first, then look at the members with a fresh snapshot: an alert that joined (or
        # fired again) and committed while we waited for the lock is seen and keeps the group;
        # one that joins later waits for us and makes a new group.
        await conn.execute("SELECT 1 FROM alert_groups WHERE tenant_id = %s AND id = %s FOR UPDATE",
                           (tenant_id, group_id))
        cur = await conn.execute("""
            DELETE FROM alert_groups g WHERE g.tenant_id = %s AND g.id = %s AND NOT EXISTS (
                SELECT 1 FROM group_members m JOIN alerts a
                    ON a.tenant_id = m.tenant_id AND a.id = m.alert_id
                WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id AND a.status = 'firing')""",
                                 (tenant_id, group_id))
        return cur.rowcount == 1


async def groups_of_alert(conn: psycopg.AsyncConnection[Any], tenant_id: int,
                          alert_id: str) -> list[str]:
    cur = await conn.execute("SELECT group_id FROM group_members WHERE tenant_id = %s "
                             "AND alert_id = %s ORDER BY group_id", (tenant_id, alert_id))
    return [str(r[0]) for r in await cur.fetchall()]


async def touch_group(conn: psycopg.AsyncConnection[Any], tenant_id: int, group_id: str,
                      at: datetime) -> None:
    """Make it due no later than ``at``. Touching a group that is being flushed (its timer is a
    lease) lets another worker claim it at ``at``: touch only from outside a flush."""
    await conn.execute("UPDATE alert_groups SET next_flush_at = least(next_flush_at, %s) "
                       "WHERE tenant_id = %s AND id = %s", (at, tenant_id, group_id))


async def list_groups(conn: psycopg.AsyncConnection[Any], tenant_id: int) -> list[GroupRow]:
    """Its groups with their member ids, soonest due first."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(f"""
            SELECT {_GROUP_COLUMNS}, ARRAY(SELECT m.alert_id FROM group_members m
                WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id ORDER BY m.alert_id) AS alert_ids
            FROM alert_groups g JOIN tenants t ON t.id = g.tenant_id
            WHERE g.tenant_id = %s ORDER BY g.next_flush_at, g.id""", (tenant_id,))
        rows = await cur.fetchall()
    return [GroupRow(_group(r), list(r["alert_ids"])) for r in rows]


def _group(row: dict[str, Any]) -> AlertGroup:
    notified = row["notified"]
    return AlertGroup(
        id=row["id"], tenant=row["tenant"], target=RouteTarget.model_validate(row["target"]),
        labels=row["labels"], created_at=row["created_at"], next_flush_at=row["next_flush_at"],
        notified=None if notified is None else Notified.model_validate(notified))


def _notified_json(notified: Notified) -> dict[str, Any]:
    return {"firing": sorted(notified.firing), "resolved": sorted(notified.resolved),
            "at": notified.at.isoformat()}
