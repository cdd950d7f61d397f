"""The alerts service's webhook delivery on real parts, in-process: a fresh migrated database on
the session's embedded PostgreSQL, a tenant configured from YAML, notifications queued in the
outbox as a flush queues them, and one or more real ``Dispatcher`` + ``EndpointWorker`` +
``WebhookNotifier`` stacks (each one "alerts process": its own pool, lock connection and HTTP
client from ``webhook_session``) sending to real loopback receivers (``tests/receivers.py``).

    async with delivery_rig(postgres_server, tenant_yaml({"ops": rx.url()}, SECRET)) as rig:
        await rig.start_delivery(schedule=RetrySchedule.parse("0s,200ms"))
        first = await rig.enqueue("ops", firing=["a1"])
        await rig.wait_until(lambda: rig.settled("ops"), timeout=10)

Reads go through the stores an operator's tools use (``deliveries.list_attempts``,
``outbox.load_health``) or plain SELECTs of the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import aiohttp
from psycopg_pool import AsyncConnectionPool

from services.alerts.delivery.circuit import CircuitPolicy
from services.alerts.delivery.dispatcher import Dispatcher
from services.alerts.delivery.locks import EndpointLocks
from services.alerts.delivery.schedule import RetrySchedule
from services.alerts.delivery.worker import EndpointWorker
from services.alerts.metrics import AlertsMetrics
from services.alerts.notifiers.webhook import WebhookNotifier
from services.alerts.tenant_cache import TenantCache
from services.alerts.webhook_client import webhook_session
from shared.alerting.config_yaml import load_config
from shared.alerting.delivery import AttemptRecord, EndpointHealth
from shared.alerting.state import NotificationRecord
from shared.alerting.targets import parse_allow_private
from shared.clock import Clock, utc_now
from shared.db.pool import open_pool
from shared.metrics import new_registry
from shared.stores import deliveries, endpoints, outbox, tenant_config, tenants
from shared.stores.sql import fetch_all
from tests.integration.conftest import RunningPostgres, fresh_database

T = TypeVar("T")

PROCESS_HEADER = "x-brisk-test-process"
"""Each delivery stack's client sends its label in this header: which process made an attempt."""

FAST_POLICY = CircuitPolicy(failure_threshold=1000, cooldown=timedelta(milliseconds=200),
                            max_cooldown=timedelta(seconds=2))
"""A circuit that stays out of the way of tests about something else."""


def tenant_yaml(urls: Mapping[str, str | None], secret: str,
                schedules: Mapping[str, str] | None = None) -> str:
    """A tenant configuration with one receiver per name (its URL; None: a null receiver), every
    one signed with ``secret``; ``schedules`` gives a receiver its ``retry_schedule`` (YAML flow
    list text, ``"[0s, 200ms]"``). The route sends everything to the first receiver; the
    outbox does not care which route queued a notification."""
    lines = ["receivers:"]
    for name, url in urls.items():
        lines += [f"  - name: {name}", f"    secret: {secret}"]
        if url is not None:
            lines.append(f"    url: {url}")
        if schedules and name in schedules:
            lines.append(f"    retry_schedule: {schedules[name]}")
    lines += ["route:", f"  receiver: {next(iter(urls))}"]
    return "\n".join(lines) + "\n"


def fixed_draws(*values: float) -> Callable[[], float]:
    """A jitter draw returning ``values`` in turn, over and over (a pinned ``random.random``)."""
    cycle = itertools.cycle(values)
    return lambda: next(cycle)


class ShiftedClock:
    """The wall clock, moved forward (never back) when a test says: a retry due in five hours is
    reached at once, while the code under test still reads one clock that never runs backwards.
    Pass it to ``delivery_rig`` and every part of the rig reads it."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utc_now() + self.offset

    def advance_to(self, when: datetime) -> None:
        """From now on the clock reads ``when`` or later."""
        self.offset += max(when - self(), timedelta(0))


@dataclass(frozen=True)
class OutboxRow:
    """A notification as the outbox holds it."""

    id: str
    seq: int
    receiver: str
    outcome: str
    attempts: int
    detail: str
    last_status: int | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None


@dataclass
class Delivery:
    """One alerts process's delivery: a running dispatcher, with its own pool and HTTP client."""

    label: str
    dispatcher: Dispatcher
    pool: AsyncConnectionPool
    client: aiohttp.ClientSession
    task: asyncio.Task[None]

    async def stop(self) -> None:
        """Cancel the dispatcher (its workers are cancelled, its locks released), as a process
        that stops; what was attempted but not settled stays pending."""
        if not self.task.done():
            self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.client.close()
        await self.pool.close()


@dataclass
class DeliveryRig:
    database_url: str
    pool: AsyncConnectionPool
    tenant: str
    tenant_id: int
    tenants: TenantCache
    metrics: AlertsMetrics
    clock: Clock = utc_now
    deliveries: list[Delivery] = field(default_factory=list)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def apply(self, yaml_text: str) -> None:
        """Apply a new tenant configuration and reload the tenant cache (as the reloader does)."""
        async with self.pool.connection() as conn:
            await tenant_config.apply_config(conn, self.tenant_id, load_config(yaml_text),
                                             self.clock())
        async with self.pool.connection() as conn:
            await self.tenants.refresh(conn, self.clock())

    async def start_delivery(self, *, schedule: RetrySchedule | None = None,
                             policy: CircuitPolicy = FAST_POLICY, timeout: float = 5.0,
                             poll: float = 0.05, draw: Callable[[], float] = random.random,
                             max_workers: int = 16, batch: int = 50, excerpt_bytes: int = 256,
                             label: str | None = None) -> Delivery:
        """Run a Dispatcher as a task, wired as ``services/alerts/app.py`` wires it: the HTTP
        client is a ``webhook_session`` allowing 127.0.0.0/8, with ``timeout`` seconds
        per request; ``schedule`` is the service's (Svix's by default)."""
        label = label or f"p{len(self.deliveries) + 1}"
        pool = await open_pool(self.database_url, max_size=max_workers + 4)
        client = webhook_session(parse_allow_private("127.0.0.0/8"), timeout,
                                 headers={PROCESS_HEADER: label})
        worker = EndpointWorker(
            pool=pool, tenants=self.tenants,
            notifier=WebhookNotifier(client, self.clock, excerpt_bytes),
            schedule=schedule or RetrySchedule(), policy=policy, metrics=self.metrics,
            clock=self.clock, draw=draw, batch=batch)
        dispatcher = Dispatcher(
            pool=pool, worker=worker,
            connect_locks=functools.partial(EndpointLocks.connect, self.database_url),
            clock=self.clock, poll=poll, max_workers=max_workers)
        task = asyncio.create_task(dispatcher.run(), name=f"dispatcher-{label}")
        delivery = Delivery(label, dispatcher, pool, client, task)
        self.deliveries.append(delivery)
        return delivery

    def wake(self) -> None:
        for delivery in self.deliveries:
            delivery.dispatcher.wake()

    async def enqueue(self, receiver: str, *, firing: Sequence[str] = (),
                      resolved: Sequence[str] = (), body: bytes | None = None,
                      note_id: str | None = None, wake: bool = True) -> str:
        """Queue a notification for ``receiver`` as a flush does (a pending outbox row, due now)
        and wake the dispatchers (the flusher's ``queued()``). The body defaults to a small JSON
        document naming the notification; the id to ``ntf_<receiver>_<n>``. Returns the id."""
        number = next(self._numbers)
        note_id = note_id or f"ntf_{receiver}_{number:04d}"
        if not firing and not resolved:
            firing = [f"alert_{number:04d}"]
        payload = body if body is not None else json.dumps(
            {"id": note_id, "firing": list(firing), "resolved": list(resolved)}).encode()
        record = NotificationRecord(id=note_id, tenant=self.tenant, group_id=f"grp_{receiver}",
                                    receiver=receiver, firing=list(firing),
                                    resolved=list(resolved), created_at=self.clock(),
                                    outcome="pending")
        async with self.pool.connection() as conn:
            await outbox.enqueue(conn, self.tenant_id, record, "brisk", payload)
        if wake:
            self.wake()
        return note_id

    async def outbox(self, receiver: str) -> list[OutboxRow]:
        """The receiver's notifications in ``seq`` order, whatever their outcome."""
        async with self.pool.connection() as conn:
            rows = await fetch_all(conn, """
                SELECT id, seq, receiver, outcome, attempts, detail, last_status, next_attempt_at,
                       delivered_at
                FROM notifications WHERE tenant_id = %s AND receiver = %s ORDER BY seq""",
                                   (self.tenant_id, receiver))
        return [OutboxRow(**row) for row in rows]

    async def settled(self, receiver: str) -> bool:
        """Nothing of the receiver's is pending any more."""
        return all(row.outcome != "pending" for row in await self.outbox(receiver))

    async def attempts(self, receiver: str | None = None,
                       notification: str | None = None) -> list[AttemptRecord]:
        """The delivery log (``brisk delivery log``), oldest first."""
        async with self.pool.connection() as conn:
            rows = await deliveries.list_attempts(conn, self.tenant_id, receiver=receiver,
                                                  notification=notification, limit=10_000)
        return rows[::-1]

    async def health(self, receiver: str) -> EndpointHealth:
        async with self.pool.connection() as conn:
            return await outbox.load_health(conn, self.tenant_id, self.tenant, receiver)

    async def history(self, change: str) -> list[dict[str, Any]]:
        """The tenant's alert history rows of one kind (``notify_failed``), oldest first."""
        async with self.pool.connection() as conn:
            return await fetch_all(conn, """
                SELECT alert_id, change, at, detail FROM alert_history
                WHERE tenant_id = %s AND change = %s ORDER BY id""", (self.tenant_id, change))

    async def enable(self, receiver: str) -> int:
        """``brisk receiver enable``: returns how many notifications are pending again."""
        async with self.pool.connection() as conn:
            pending = await endpoints.enable_endpoint(conn, self.tenant_id, receiver, self.clock())
        self.wake()
        return pending

    async def rotate_secret(self, receiver: str, new_secret: str, grace: timedelta) -> datetime:
        """``brisk receiver rotate-secret``: the old secret stays valid until the returned time."""
        async with self.pool.connection() as conn:
            return await endpoints.rotate_secret(conn, self.tenant_id, receiver, new_secret, grace,
                                                 self.clock())

    async def wait_until(self, check: Callable[[], Awaitable[T | None]], timeout: float,
                         every: float = 0.02) -> T:
        """Await ``check()`` until it returns something truthy, and return that; fails the test
        (AssertionError) after ``timeout`` seconds — a bound on a hang, not a timing claim."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = await check()
            if result:
                return result
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"not reached within {timeout}s: {check}")
            await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def delivery_rig(server: RunningPostgres, yaml_text: str, tenant: str = "acme",
                       clock: Clock = utc_now) -> AsyncIterator[DeliveryRig]:
    """A fresh migrated database with ``tenant`` configured from ``yaml_text``; every delivery
    started on the rig is stopped, and the pool closed, on the way out."""
    url = await asyncio.to_thread(fresh_database, server)
    pool = await open_pool(url, max_size=4)
    try:
        async with pool.connection() as conn:
            await tenants.create_tenant(conn, tenant, clock())
            tid = await tenants.tenant_id(conn, tenant)
        rig = DeliveryRig(url, pool, tenant, tid, TenantCache(), AlertsMetrics.create(new_registry()),
                          clock)
        await rig.apply(yaml_text)
        try:
            yield rig
        finally:
            for delivery in rig.deliveries:
                await delivery.stop()
    finally:
        await pool.close()
