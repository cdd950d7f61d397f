"""The dispatcher, on real parts as in ``test_delivery_worker.py`` (see there): failing
endpoints never take every worker; and two delivery processes over one database never deliver
one endpoint at once, and when one stops the other delivers the rest.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable, Mapping

import pytest

from shared.alerting.webhook_secret import new_secret
from tests.integration.conftest import RunningPostgres
from tests.integration.delivery_harness import (
    PROCESS_HEADER,
    DeliveryRig,
    delivery_rig,
    tenant_yaml,
)
from tests.integration.delivery_replies import SETTLE, in_turn
from tests.receivers import Hit, Receiver, Reply

pytestmark = pytest.mark.integration

SECRET = new_secret()


async def test_failing_endpoints_never_take_every_worker_from_one_that_answers(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    dead = {f"dead{n}": receivers() for n in range(3)}
    for rx in dead.values():
        rx.reply(in_turn(Reply(500), Reply(delay=60)))  # fails, then hangs on every retry
    healthy = receivers()
    config = tenant_yaml({**{name: rx.url() for name, rx in dead.items()},
                          "healthy": healthy.url()}, SECRET,
                         {name: "[0s, 0s, 0s, 0s]" for name in dead})
    async with delivery_rig(postgres_server, config) as rig:
        await rig.start_delivery(max_workers=2, timeout=45)
        for name in dead:
            await rig.enqueue(name)
        await rig.wait_until(functools.partial(_each_failed_once, rig, list(dead)), SETTLE)
        await rig.wait_until(lambda: _arrived(dead, 4), SETTLE)  # three 500s, a retry hanging
        sent = [await rig.enqueue("healthy") for _ in range(5)]
        await rig.wait_until(lambda: rig.settled("healthy"), SETTLE)

        # Delivered while a failing endpoint's retry hung in the other worker: failing ones
        # get at most half the workers (one of two), whatever their number.
        assert healthy.delivered_ids() == sent
        for name in dead:
            assert len(await rig.attempts(name)) == 1, name  # the 500; no retry answered yet
        assert sum(len(rx.hits) for rx in dead.values()) == 4  # no second retry was started


async def _each_failed_once(rig: DeliveryRig, names: list[str]) -> bool:
    return all([len(await rig.attempts(name)) >= 1 for name in names])


def _flaky(every: int, delay: float) -> Callable[[Hit], Reply]:
    """Every ``every``-th request gets a 503; each answer takes ``delay`` seconds."""
    count, lock = [0], threading.Lock()

    def reply(_hit: Hit) -> Reply:
        with lock:
            count[0] += 1
            return Reply(503 if count[0] % every == 0 else 204, delay=delay)

    return reply


async def _two_processes(postgres_server: RunningPostgres, receivers: Callable[..., Receiver],
                         stop_one_after: int | None
                         ) -> tuple[dict[str, Receiver], dict[str, list[str]], set[str], float]:
    """Five endpoints, 20 notifications each, two delivery processes over one database (each may
    run two workers, so both take part). ``stop_one_after``: the first process stops once that
    many requests have arrived. Returns the receivers, the ids queued per endpoint, the
    notifications still not delivered at the end, and when (``time.monotonic()``, as a hit's
    ``at``) the first process had stopped (infinity: never)."""
    rxs = {f"r{n}": receivers() for n in range(5)}
    for rx in rxs.values():
        rx.reply(_flaky(every=4, delay=0.005))
    config = tenant_yaml({name: rx.url() for name, rx in rxs.items()}, SECRET,
                         {name: "[0s, 0s, 0s, 0s, 0s, 0s]" for name in rxs})
    async with delivery_rig(postgres_server, config) as rig:
        first = await rig.start_delivery(max_workers=2, label="p1")
        await rig.start_delivery(max_workers=2, label="p2")
        queued = {name: [await rig.enqueue(name, wake=False) for _ in range(20)] for name in rxs}
        rig.wake()
        stopped = math.inf
        if stop_one_after is not None:
            await rig.wait_until(lambda: _arrived(rxs, stop_one_after), SETTLE)
            await first.stop()
            stopped = time.monotonic()
        for name in rxs:
            await rig.wait_until(functools.partial(rig.settled, name), SETTLE)
        undelivered = {row.id for name in rxs for row in await rig.outbox(name)
                       if row.outcome != "delivered"}
    return rxs, queued, undelivered, stopped


async def _arrived(rxs: Mapping[str, Receiver], count: int) -> bool:
    return sum(len(rx.hits) for rx in rxs.values()) >= count


async def test_two_dispatchers_never_deliver_one_endpoint_concurrently_and_lose_nothing(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    rxs, queued, undelivered, _ = await _two_processes(postgres_server, receivers, None)

    assert undelivered == set()
    for name, rx in rxs.items():
        assert rx.delivered_ids() == queued[name], name  # all of them, in seq order
        assert rx.peak_in_flight == 1, name  # never two requests to one endpoint at once
        answered = [wid for wid, status in rx.answers() if status == 204]
        assert len(answered) == len(set(answered)), name  # none delivered twice
    senders = {hit.headers[PROCESS_HEADER] for rx in rxs.values() for hit in rx.hits}
    assert senders == {"p1", "p2"}  # both processes delivered


async def test_when_one_of_two_dispatchers_stops_the_other_delivers_the_rest_in_order(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    rxs, queued, undelivered, stopped = await _two_processes(postgres_server, receivers, 30)

    assert undelivered == set()
    for name, rx in rxs.items():
        # At least once: one answered but not yet settled when its process stopped is sent
        # again, with the same webhook-id, which the receiver deduplicates on.
        assert rx.delivered_ids() == queued[name], name
    late = [hit for rx in rxs.values() for hit in rx.hits if hit.at > stopped]
    assert late and {hit.headers[PROCESS_HEADER] for hit in late} == {"p2"}
