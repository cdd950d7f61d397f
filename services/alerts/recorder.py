"""Write what the match stage decided: alerts fired or resolved, their groups, their history.

Each call runs inside the caller's transaction, so an alert, its history rows and its group
membership are committed together or not at all. The upsert is atomic in PostgreSQL (INSERT … ON
CONFLICT), so the same story arriving on two partitions or two workers at once is one alert with
one ``fired`` row: dedup is the database's, not a check-then-mark in Redis.

``record`` writes many decisions in one transaction (the intake's batch). Two workers' batches
may name the same alerts and groups in different orders, and each row lock is held until the
commit, so it takes them in one global order — every alert row (by id) before any group row (by
id) — and no two batches can deadlock. The order of one alert's own decisions is kept (a stable
sort), and the history rows are appended in decision order, so what is recorded is what
deciding them one by one records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection

from services.alerts.stages.group import group_id, group_labels
from services.alerts.stages.match import Clear, Fire
from services.alerts.stages.route import route
from services.alerts.tenant_cache import TenantState
from shared.alerting.state import RouteTarget
from shared.schemas import Alert, AlertChange
from shared.stores import acks, alerts, groups, history


@dataclass(frozen=True)
class Decision:
    """One match decision and the time it was decided (its history rows' ``at``)."""

    decision: Fire | Clear
    now: datetime

    @property
    def alert_id(self) -> str:
        return self.decision.alert.id if isinstance(self.decision, Fire) else \
            self.decision.alert_id


@dataclass(frozen=True)
class _Join:
    group: str
    target: RouteTarget
    labels: dict[str, str]
    alert_id: str
    now: datetime


async def record(conn: AsyncConnection, tenant: TenantState,
                 decisions: Sequence[Decision]) -> list[list[AlertChange]]:
    """Write ``decisions`` (the tenant's, in the order they were made); returns, per decision,
    the history rows written — none for a redelivered event or an alert not firing.

    Two pipelined phases, each one round trip however many decisions there are (a round trip
    per statement was what held the intake back under load): every alert's upsert or resolve,
    then, from their answers, the group joins, the resolved alerts' acks and the history."""
    written: list[list[AlertChange]] = [[] for _ in decisions]
    order = sorted(range(len(decisions)), key=lambda i: decisions[i].alert_id)
    async with conn.pipeline():
        sent = [await _send(conn, tenant.id, decisions[n]) for n in order]
    joins: list[_Join] = []
    ended: list[tuple[str, datetime]] = []
    for n, queued in zip(order, sent, strict=True):
        item, changes = decisions[n], written[n]
        if isinstance(queued, alerts.QueuedUpsert):
            upserted = await queued.result()
            if upserted is None:  # unchanged: a redelivered event
                continue
            stored = upserted.alert
            changes.append(_change(stored, upserted.outcome, item.now, {
                "rule": stored.rule, "reason": stored.reason.summary}))
            if upserted.outcome in ("fired", "refired") and tenant.tree is not None:
                for target in route(tenant.tree, stored.labels):
                    labels = group_labels(target, stored.labels)
                    join = _Join(group_id(tenant.name, target, labels), target, labels, stored.id,
                                 item.now)
                    joins.append(join)
                    changes.append(_change(stored, "grouped", item.now, {
                        "group": join.group, "receiver": target.receiver,
                        "route": target.route_id,
                        "labels": ",".join(f"{k}={v}" for k, v in labels.items())}))
        else:
            resolved = await queued.result()
            if resolved is not None and isinstance(item.decision, Clear):
                ended.append((resolved.id, item.now))
                changes.append(_change(resolved, "resolved", item.now,
                                       {"why": item.decision.why}))
    async with conn.pipeline():
        for join in sorted(joins, key=lambda j: j.group):
            await groups.queue_join(conn, tenant.id, join.group, join.target, join.labels,
                                    join.alert_id, join.now)
        for alert_id, at in ended:
            await acks.end_acks_on_resolve(conn, tenant.id, alert_id, at)
        await history.record_changes(conn, tenant.id, [c for changes in written for c in changes])
    return written


async def _send(conn: AsyncConnection, tenant_id: int,
                item: Decision) -> alerts.QueuedUpsert | alerts.QueuedResolve:
    if isinstance(item.decision, Fire):
        return await alerts.queue_upsert(conn, tenant_id, item.decision.alert)
    return await alerts.queue_resolve(conn, tenant_id, item.decision.alert_id, item.now)


async def fire(conn: AsyncConnection, tenant: TenantState, alert: Alert,
               now: datetime) -> list[AlertChange]:
    """Upsert a firing alert; a new (or re-fired) one joins the groups its routes lead to.
    Returns the history rows written (none for a redelivered event)."""
    return (await record(conn, tenant, [Decision(Fire(alert), now)]))[0]


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
