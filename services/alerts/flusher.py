"""The timers: resolve what has gone quiet, and flush every aggregation group that is due.

All timers are stored (``alerts.resolve_at``, ``alert_groups.next_flush_at``), so a restarted
alerts service picks them up where they were; nothing but the tick runs in memory. A flush is:
claim (a lease) → inhibit → silence → ack → dedup (``stages.flush.plan_flush``) → render →
queue the notification in the outbox and record the flush, in one transaction (a transactional
outbox: the notification exists if and only if the flush happened). Nothing here waits on a
receiver: the delivery workers (``delivery/``) send what is queued, per endpoint. The
notification id — the ``webhook-id`` — is derived from what is being said.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from services.alerts import recorder
from services.alerts.metrics import AlertsMetrics
from services.alerts.payloads.content import NotificationContent
from services.alerts.payloads.render import render
from services.alerts.stages.flush import FlushPlan, plan_flush
from services.alerts.stages.inhibit import inhibited
from services.alerts.stages.silence import silenced
from services.alerts.tenant_cache import TenantCache, TenantState
from shared.alerting.config import ReceiverConfig
from shared.alerting.state import AlertGroup, NotificationRecord
from shared.clock import Clock
from shared.ids import fingerprint
from shared.schemas import Alert, AlertChange
from shared.stores import acks, alerts, groups, history, outbox

log = logging.getLogger(__name__)

MUTE_CHANGES = {"silence": ("silenced", "unsilenced"), "inhibit": ("inhibited", "uninhibited")}


@dataclass(frozen=True)
class Flusher:
    pool: AsyncConnectionPool
    tenants: TenantCache
    publish: Callable[[Sequence[AlertChange]], Awaitable[None]]
    metrics: AlertsMetrics
    clock: Clock
    external_url: str
    lease: timedelta
    queued: Callable[[], None] = lambda: None
    concurrency: int = 16
    _woken: asyncio.Event = field(default_factory=asyncio.Event, compare=False)

    def wake(self) -> None:
        """Tick now rather than at the next interval: an alert was recorded (``group_wait: 0s``
        means its group is due at once)."""
        self._woken.set()

    async def tick(self) -> int:
        """One pass: resolve due alerts, expire acks, flush due groups. Returns groups flushed."""
        await self._resolve_due()
        now = self.clock()
        async with self.pool.connection() as conn, conn.transaction():
            due = await groups.claim_due_groups(conn, now, self.lease, self.concurrency * 4)
        if not due:
            return 0
        limit = asyncio.Semaphore(self.concurrency)

        async def bounded(group: AlertGroup) -> None:
            async with limit:
                try:
                    await self.flush(group)
                except Exception:
                    # Its lease runs out and the next tick tries again; one group never stops
                    # the others.
                    log.exception("flush failed", extra={"group": group.id, "tenant": group.tenant})

        await asyncio.gather(*(bounded(g) for g in due))
        return len(due)

    async def _resolve_due(self) -> None:
        now = self.clock()
        changes: list[AlertChange] = []
        async with self.pool.connection() as conn, conn.transaction():
            for alert in await alerts.resolve_due(conn, now):
                tenant = self.tenants.get(alert.tenant)
                if tenant is None:
                    continue
                changes.extend(await recorder.resolve(conn, tenant.id, alert, now, "quiet period"))
                self.metrics.resolved.inc()
            for ack in await acks.expire_acks(conn, now):
                tenant = self.tenants.get(ack.tenant)
                if tenant is not None:
                    change = AlertChange(tenant=ack.tenant, alert_id=ack.alert_id,
                                         change="ack_expired", at=now, detail={"by": ack.by})
                    await history.record_changes(conn, tenant.id, [change])
                    changes.append(change)
        if changes:
            await self.publish(changes)

    async def flush(self, group: AlertGroup) -> None:
        tenant = self.tenants.get(group.tenant)
        now = self.clock()
        if tenant is None:
            return  # a deleted tenant: its rows went with it (ON DELETE CASCADE)
        receiver = tenant.config.receiver(group.target.receiver)
        send_resolved = receiver.send_resolved if receiver is not None else True
        changes: list[AlertChange] = []
        async with self.pool.connection() as conn, conn.transaction():
            members = await groups.group_alerts(conn, tenant.id, group.id)
            muted = await self._mutes(conn, tenant, members, now, changes)
            live = await acks.live_acks(conn, tenant.id, [a.id for a in members], now)
            plan = plan_flush(group, members, muted, frozenset(live), send_resolved, now)
            note = self._render(tenant, group, receiver, plan, now) if plan.notify else None
            if note is not None:
                record, fmt, body = note
                await outbox.enqueue(conn, tenant.id, record, fmt, body)
                for alert in plan.firing + plan.resolved:
                    changes.append(AlertChange(
                        tenant=tenant.name, alert_id=alert.id, change="notified", at=now,
                        detail={"receiver": record.receiver, "notification": record.id,
                                "outcome": record.outcome}))
            if plan.empty:
                await groups.delete_group(conn, tenant.id, group.id)
            else:
                await groups.finish_flush(conn, tenant.id, group.id, plan.next_flush_at,
                                          plan.notified, plan.drop)
            await history.record_changes(conn, tenant.id, changes)
        if note is not None:
            record, fmt, _ = note
            outcome = "queued" if record.outcome == "pending" else record.outcome
            self.metrics.notifications.labels(outcome, fmt or "none").inc()
            if record.outcome == "pending":
                self.queued()
        self.metrics.flushes.inc()
        if changes:
            await self.publish(changes)

    async def _mutes(self, conn: AsyncConnection, tenant: TenantState, members: Sequence[Alert],
                     now: datetime, changes: list[AlertChange]) -> dict[str, str]:
        """Which members are muted now, and by what; a history row when that changed."""
        muted: dict[str, str] = {}
        if tenant.config.inhibit_rules:
            sources = await alerts.firing_alerts(conn, tenant.id)
            for alert_id, rule in inhibited(members, sources, tenant.config.inhibit_rules).items():
                muted[alert_id] = f"inhibit:{rule}"
        for alert_id, silence in silenced(members, tenant.silences, now).items():
            muted[alert_id] = f"silence:{silence}"
        for alert in members:
            now_muted = muted.get(alert.id)
            before = await alerts.set_muted(conn, tenant.id, alert.id, now_muted)
            if before == now_muted:
                continue
            if before is not None:
                changes.append(_mute_change(alert, before, now, lifted=True))
            if now_muted is not None:
                changes.append(_mute_change(alert, now_muted, now, lifted=False))
        return muted

    def _render(self, tenant: TenantState, group: AlertGroup, receiver: ReceiverConfig | None,
                plan: FlushPlan, now: datetime) -> tuple[NotificationRecord, str | None, bytes | None]:
        """The notification to queue, its format and body: rendered once, sent byte for byte on
        every attempt. A receiver without a URL gets none: the notification is only recorded."""
        firing, resolved = [a.id for a in plan.firing], [a.id for a in plan.resolved]
        note_id = "ntf_" + fingerprint(group.id, ",".join(sorted(firing)), ",".join(sorted(resolved)),
                                       group.notified.at.isoformat() if group.notified else "")
        if receiver is None or receiver.url is None:
            return (NotificationRecord(id=note_id, tenant=tenant.name, group_id=group.id,
                                       receiver=group.target.receiver, firing=firing,
                                       resolved=resolved, created_at=now, outcome="recorded"),
                    None, None)
        content = NotificationContent(id=note_id, tenant=tenant.name, receiver=receiver.name,
                                      group=group, firing=list(plan.firing),
                                      resolved=list(plan.resolved),
                                      external_url=self.external_url, created_at=now)
        record = NotificationRecord(id=note_id, tenant=tenant.name, group_id=group.id,
                                    receiver=receiver.name, firing=firing, resolved=resolved,
                                    created_at=now, outcome="pending")
        return record, receiver.format, render(receiver.format, content, receiver.max_alerts)


def _mute_change(alert: Alert, muted_by: str, now: datetime, lifted: bool) -> AlertChange:
    kind, ref = muted_by.split(":", 1)
    change = MUTE_CHANGES[kind][1 if lifted else 0]
    return AlertChange(tenant=alert.tenant, alert_id=alert.id, change=change,
                       at=now, detail={kind: ref})


async def run_flusher(flusher: Flusher, every: float) -> None:
    """Tick until cancelled, every ``every`` seconds or at once when woken; an outage
    (PostgreSQL down) is logged and waited out."""
    while True:
        flusher._woken.clear()
        try:
            await flusher.tick()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("flusher tick failed; trying again")
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
        # arrives as the event is set, and the service would never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(every):
                await flusher._woken.wait()
