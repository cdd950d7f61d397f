"""Start a worker for every endpoint whose head notification is due — one per endpoint, so a slow
or dead receiver delays only its own notifications.

The dispatcher looks at the outbox when woken (a flush queued something, a worker finished) and
at least every ``poll`` seconds (another process queued something; a retry came due), and sleeps
no longer than until the first known due time. It starts a worker only for an endpoint whose lock
it gets (``locks.py``): with several alerts processes, each endpoint is served by one at a time.
Failing endpoints (their last attempt failed) get at most half the workers: a dead receiver holds
a worker for a whole timeout per attempt, and a crowd of them must not take every worker from
the receivers that answer. Whether an endpoint is failing comes from the pass's outbox query, so
an endpoint whose worker ended while the pass ran is left to the next pass (the ending wakes it):
its row may predate that worker's settle, and a retry started on it as "not failing" would hold a
second worker past the cap.
If the lock connection fails (PostgreSQL restarted), every worker is stopped — their locks are
gone — and the dispatcher reconnects; what was not settled is sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import psycopg
from psycopg_pool import AsyncConnectionPool

from services.alerts.delivery.locks import EndpointLocks
from services.alerts.delivery.worker import EndpointWorker
from shared.clock import Clock
from shared.stores import outbox
from shared.stores.outbox import DueEndpoint

log = logging.getLogger(__name__)

Key = tuple[int, str]


@dataclass
class Dispatcher:
    pool: AsyncConnectionPool
    worker: EndpointWorker
    connect_locks: Callable[[], Awaitable[EndpointLocks]]
    clock: Clock
    poll: float = 0.5
    max_workers: int = 64
    _woken: asyncio.Event = field(default_factory=asyncio.Event)
    _running: dict[Key, asyncio.Task[None]] = field(default_factory=dict)
    _failing: set[Key] = field(default_factory=set)  # running workers of failing endpoints
    _ended: set[Key] = field(default_factory=set)  # workers ended since this pass's query began

    @property
    def max_failing_workers(self) -> int:
        return max(1, self.max_workers // 2)

    def wake(self) -> None:
        """Look at the outbox now (called after a flush queued a notification)."""
        self._woken.set()

    def running(self) -> int:
        return len(self._running)

    async def run(self) -> None:
        """Until cancelled; a PostgreSQL outage is logged and waited out."""
        while True:
            locks: EndpointLocks | None = None
            try:
                locks = await self.connect_locks()
                while True:
                    wait = await self._dispatch(locks)
                    await self._sleep(wait)
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError):
                log.exception("delivery dispatcher lost PostgreSQL; stopping workers, reconnecting")
                await asyncio.sleep(1)
            finally:
                await self._stop_workers()
                if locks is not None:
                    with contextlib.suppress(Exception):
                        await locks.close()

    async def _dispatch(self, locks: EndpointLocks) -> float:
        """Start workers for what is due; the seconds until the next known due time."""
        self._ended.clear()
        async with self.pool.connection() as conn:
            endpoints = await outbox.due_endpoints(conn, limit=self.max_workers * 4)
        now = self.clock()
        wait = self.poll
        for endpoint in endpoints:
            key = (endpoint.tenant_id, endpoint.receiver)
            if key in self._running or key in self._ended:
                continue  # running, or its row may predate its worker's settle
            if endpoint.due_at > now:
                wait = min(wait, (endpoint.due_at - now).total_seconds())
                continue  # each part (not failing, failing) is sorted by due time
            if len(self._running) >= self.max_workers:
                break
            if endpoint.failing and len(self._failing) >= self.max_failing_workers:
                continue
            if await locks.try_lock(*key):
                if endpoint.failing:
                    self._failing.add(key)
                self._running[key] = asyncio.create_task(self._work(locks, endpoint))
        return max(wait, 0.0)

    async def _work(self, locks: EndpointLocks, endpoint: DueEndpoint) -> None:
        key = (endpoint.tenant_id, endpoint.receiver)
        try:
            await self.worker.run(endpoint)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Unsettled work stays pending; the endpoint is picked up again on the next pass.
            log.exception("delivery worker failed", extra={"tenant": endpoint.tenant,
                                                           "receiver": endpoint.receiver})
            await asyncio.sleep(1)
        finally:
            self._running.pop(key, None)
            self._failing.discard(key)
            self._ended.add(key)
            with contextlib.suppress(Exception):
                await locks.unlock(*key)
            self.wake()

    async def _sleep(self, seconds: float) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
        # arrives just as the event is set (a worker finishing wakes the dispatcher), and the
        # dispatcher would then never stop — a shutdown's cancel_all would wait for ever.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._woken.wait()
        self._woken.clear()

    async def _stop_workers(self) -> None:
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._running.clear()
        self._failing.clear()
