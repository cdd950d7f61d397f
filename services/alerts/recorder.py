"""Write what the match stage decided: alerts fired or resolved, their groups, their history.

Each call runs inside the caller's transaction, so an alert, its history rows and its group
membership are committed together or not at all. The upsert is atomic in PostgreSQL (INSERT … ON
CONFLICT), so the same story arriving on two partitions or two workers at once is one alert with
one ``fired`` row: dedup is the database's, not a check-then-mark in Redis.
"""

from __future__ import annotations

from datetime import datetime

from psycopg import AsyncConnection

from services.alerts.stages.group import group_id, group_labels
from services.alerts.stages.route import route
from services.alerts.tenant_cache import TenantState
from shared.schemas import Alert, AlertChange
from shared.stores import acks, alerts, groups, history


async def fire(conn: AsyncConnection, tenant: TenantState, alert: Alert,
               now: datetime) -> list[AlertChange]:
    """Upsert a firing alert; a new (or re-fired) one joins the groups its routes lead to.
    Returns the history rows written (none for a redelivered event)."""
    upserted = await alerts.upsert_firing(conn, tenant.id, alert)
    if upserted.outcome == "unchanged":
        return []
    stored = upserted.alert
    changes = [_change(stored, upserted.outcome, now, {"rule": stored.rule,
                                                       "reason": stored.reason.summary})]
    if upserted.outcome in ("fired", "refired") and tenant.tree is not None:
        for target in route(tenant.tree, stored.labels):
            labels = group_labels(target, stored.labels)
            group = group_id(tenant.name, target, labels)
            await groups.join_group(conn, tenant.id, group, target, labels, stored.id, now)
            changes.append(_change(stored, "grouped", now, {
                "group": group, "receiver": target.receiver, "route": target.route_id,
                "labels": ",".join(f"{k}={v}" for k, v in labels.items())}))
    await history.record_changes(conn, tenant.id, changes)
    return changes


async def resolve(conn: AsyncConnection, tenant_id: int, alert: Alert, now: datetime,
                  why: str) -> list[AlertChange]:
    """Record that ``alert`` (already marked resolved in the store) resolved; its ack ends."""
    await acks.end_acks_on_resolve(conn, tenant_id, alert.id, now)
    changes = [_change(alert, "resolved", now, {"why": why})]
    await history.record_changes(conn, tenant_id, changes)
    return changes


async def resolve_by_id(conn: AsyncConnection, tenant: TenantState, alert_id: str,
                        now: datetime, why: str) -> list[AlertChange]:
    resolved = await alerts.resolve_alert(conn, tenant.id, alert_id, now)
    if resolved is None:
        return []
    return await resolve(conn, tenant.id, resolved, now, why)


def _change(alert: Alert, kind: str, now: datetime, detail: dict[str, str]) -> AlertChange:
    return AlertChange(tenant=alert.tenant, alert_id=alert.id, change=kind,
                       at=now, detail=detail, alert=alert)
