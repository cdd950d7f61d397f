"""Webhook delivery on real parts: the alerts service's Dispatcher, EndpointWorker and
WebhookNotifier in-process (through ``webhook_session``), the embedded PostgreSQL, and real HTTP/1.1
receivers on loopback. Each test states what a receiver or an operator relies on: what arrived,
in which order, with which webhook-id and signatures, and what the delivery log and the
endpoint's health say.

Schedules are compressed (``retry_schedule: [0s, 0s, 0s]``: immediate retries); where a test needs
time to pass (Svix's schedule, a circuit's cool-down, a secret's grace period) a ``ShiftedClock``
moves every part's clock forward instead of waiting.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta

import pytest

from brisk.ports import free_port
from services.alerts.delivery.schedule import SVIX_SCHEDULE, RetrySchedule
from shared.alerting.delivery import AttemptRecord
from shared.alerting.webhook_secret import new_secret
from tests.integration.conftest import RunningPostgres
from tests.integration.delivery_harness import (
    DeliveryRig,
    ShiftedClock,
    delivery_rig,
    fixed_draws,
    tenant_yaml,
)
from tests.integration.delivery_replies import (
    SETTLE,
    close_to,
    hits,
    in_turn,
    known,
    per_notification,
    wait_after,
)
from tests.receivers import Hit, Receiver, Reply

pytestmark = pytest.mark.integration

SECRET = new_secret()


async def test_an_endpoint_is_delivered_in_seq_order_and_a_resolve_never_overtakes_its_firing(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    rx = receivers()
    refused_once: set[str] = set()

    def first_attempt_fails(hit: Hit) -> Reply:
        if hit.webhook_id in refused_once:
            return Reply(204)
        refused_once.add(hit.webhook_id)
        return Reply(503)

    rx.reply(first_attempt_fails)
    config = tenant_yaml({"ops": rx.url()}, SECRET, {"ops": "[0s, 0s, 0s]"})
    async with delivery_rig(postgres_server, config) as rig:
        ids = [await rig.enqueue("ops", firing=["a1"]), await rig.enqueue("ops", resolved=["a1"])]
        ids += [await rig.enqueue("ops", firing=[f"b{n}"]) for n in range(8)]
        await rig.start_delivery()
        await rig.wait_until(lambda: rig.settled("ops"), SETTLE)
        outbox = await rig.outbox("ops")

    assert rx.delivered_ids() == ids
    # Each notification's failed attempt and its retry, before anything queued after it was sent.
    assert [h.webhook_id for h in rx.hits] == [i for i in ids for _ in range(2)]
    assert [(row.id, row.outcome, row.attempts) for row in outbox] == [
        (i, "delivered", 2) for i in ids]


async def test_a_hanging_receiver_delays_only_its_own_notifications(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    hanging, healthy = receivers(), receivers()
    hanging.reply(Reply(delay=30))
    config = tenant_yaml({"hanging": hanging.url(), "healthy": healthy.url()}, SECRET)
    async with delivery_rig(postgres_server, config) as rig:
        await rig.start_delivery(timeout=5)
        stuck = await rig.enqueue("hanging")
        assert await hits(hanging, 1)
        sent = [await rig.enqueue("healthy") for _ in range(20)]
        await rig.wait_until(lambda: rig.settled("healthy"), SETTLE)

        # All 20 were delivered while the hanging receiver's first attempt was still in flight:
        # it has not been answered, logged or settled yet.
        assert healthy.delivered_ids() == sent
        assert [h.webhook_id for h in hanging.hits] == [stuck]
        assert hanging.answers() == []
        assert await rig.attempts("hanging") == []
        [waiting] = await rig.outbox("hanging")
        assert (waiting.outcome, waiting.attempts) == ("pending", 0)
        log = await rig.attempts("healthy")
        assert [(a.notification_id, a.attempt, a.outcome) for a in log] == [
            (i, 1, "delivered") for i in sent]

        # The client's timeout ends the hung attempt: a retry, logged as a timeout.
        [timed_out] = await rig.wait_until(lambda: rig.attempts("hanging"), SETTLE)
    assert (timed_out.outcome, timed_out.status_code) == ("retry", None)
    assert timed_out.error.startswith("timeout")
    assert timed_out.latency_ms >= 5000
    assert hanging.delivered_ids() == []


async def test_without_a_schedule_of_its_own_a_receiver_gets_svix_schedule_then_dead(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    rx = receivers()
    rx.reply(Reply(500))
    clock = ShiftedClock()
    async with delivery_rig(postgres_server, tenant_yaml({"ops": rx.url()}, SECRET),
                            clock=clock) as rig:
        # The service's default schedule; a draw of 0.5 is a jitter factor of exactly 1.
        await rig.start_delivery(draw=fixed_draws(0.5))
        note = await rig.enqueue("ops")
        [queued] = await rig.outbox("ops")
        for made in range(1, len(SVIX_SCHEDULE)):
            log = await rig.wait_until(
                functools.partial(_attempts_made, rig, "ops", made), SETTLE)
            last = log[-1]
            assert (last.attempt, last.outcome) == (made, "retry")
            assert close_to(wait_after(last), SVIX_SCHEDULE[made])
            clock.advance_to(known(last.next_attempt_at))  # hours pass
        log = await rig.wait_until(
            lambda: _attempts_made(rig, "ops", len(SVIX_SCHEDULE)), SETTLE)
        [dead] = await rig.outbox("ops")

    assert [a.attempt for a in log] == list(range(1, 9))
    assert [a.outcome for a in log] == ["retry"] * 7 + ["dead"]
    assert log[0].at >= known(queued.next_attempt_at)  # the first attempt is immediate: due when queued
    assert all(later.at >= earlier.next_attempt_at
               for earlier, later in zip(log, log[1:], strict=False) if earlier.next_attempt_at)
    assert log[-1].next_attempt_at is None
    assert (dead.id, dead.outcome, dead.attempts, dead.last_status) == (note, "dead", 8, 500)
    assert len(rx.hits) == 8


async def _attempts_made(rig: DeliveryRig, receiver: str, count: int) -> list[AttemptRecord]:
    """The receiver's delivery log once it has ``count`` attempts (else empty: not yet)."""
    log = await rig.attempts(receiver)
    return log if len(log) >= count else []


@pytest.mark.parametrize("written, waits", [
    ("[0s, 2s, 4s]", (timedelta(seconds=2), timedelta(seconds=4))),
    ("[0s, 200ms, 1s400ms]", (timedelta(milliseconds=200), timedelta(milliseconds=1400))),
])
async def test_a_receivers_retry_schedule_applies_with_jitter(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver], written: str,
        waits: tuple[timedelta, timedelta]) -> None:
    rx = receivers()
    rx.reply(Reply(500))
    clock = ShiftedClock()
    config = tenant_yaml({"ops": rx.url()}, SECRET, {"ops": written})
    async with delivery_rig(postgres_server, config, clock=clock) as rig:
        # Jitter 0.5: the draws 0.0 and 1.0 scale the waits by 0.5 and 1.5.
        await rig.start_delivery(schedule=RetrySchedule(jitter=0.5), draw=fixed_draws(0.0, 1.0))
        note = await rig.enqueue("ops")
        for made in (1, 2):
            last = (await rig.wait_until(functools.partial(_attempts_made, rig, "ops", made),
                                         SETTLE))[-1]
            if last.next_attempt_at is not None:
                clock.advance_to(last.next_attempt_at)
        await rig.wait_until(lambda: rig.settled("ops"), SETTLE)
        log = await rig.attempts("ops")
        [dead] = await rig.outbox("ops")

    assert [(a.attempt, a.outcome) for a in log] == [(1, "retry"), (2, "retry"), (3, "dead")]
    first, second, third = log
    assert close_to(wait_after(first), waits[0] * 0.5)
    assert close_to(wait_after(second), waits[1] * 1.5)
    assert second.at >= known(first.next_attempt_at)
    assert third.at >= known(second.next_attempt_at)
    assert (dead.id, dead.outcome, dead.attempts) == (note, "dead", 3)
    assert [h.webhook_id for h in rx.hits] == [note] * 3


async def test_server_errors_timeouts_and_connection_errors_are_retried(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    erring, slow = receivers(), receivers()
    erring.reply(in_turn(Reply(500), Reply(502), Reply(504), Reply(204)))
    slow.reply(in_turn(Reply(delay=3), Reply(204)))
    down_port = free_port()  # nothing listens here until the test starts a receiver on it
    config = tenant_yaml(
        {"erring": erring.url(), "slow": slow.url(), "down": f"http://127.0.0.1:{down_port}/hook"},
        SECRET, {"erring": "[0s, 0s, 0s, 0s]", "slow": "[0s, 0s]", "down": "[0s, 1h]"})
    clock = ShiftedClock()
    async with delivery_rig(postgres_server, config, clock=clock) as rig:
        await rig.start_delivery(timeout=0.5)
        notes = {name: await rig.enqueue(name) for name in ("erring", "slow", "down")}
        [refused] = await rig.wait_until(lambda: rig.attempts("down"), SETTLE)
        receivers(down_port)  # the receiver comes up; an hour later the retry reaches it
        assert refused.next_attempt_at is not None
        clock.advance_to(refused.next_attempt_at)
        for name in notes:
            await rig.wait_until(functools.partial(rig.settled, name), SETTLE)
        logs = {name: await rig.attempts(name) for name in notes}
        outcomes = {name: (await rig.outbox(name))[0].outcome for name in notes}

    assert outcomes == {"erring": "delivered", "slow": "delivered", "down": "delivered"}
    assert [(a.status_code, a.outcome) for a in logs["erring"]] == [
        (500, "retry"), (502, "retry"), (504, "retry"), (204, "delivered")]
    timed_out, delivered = logs["slow"]
    assert (timed_out.status_code, timed_out.outcome) == (None, "retry")
    assert timed_out.error.startswith("timeout")
    assert delivered.outcome == "delivered"
    assert slow.delivered_ids() == [notes["slow"]]
    assert (refused.status_code, refused.outcome) == (None, "retry")
    assert "Cannot connect" in refused.error
    assert logs["down"][-1].outcome == "delivered"


async def test_a_client_error_fails_for_good_and_the_next_notification_goes_on(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    rx = receivers()
    refusals = {"ntf_400": 400, "ntf_401": 401, "ntf_404": 404, "ntf_422": 422, "ntf_301": 301}
    rx.reply(per_notification(
        {**{note: [Reply(status, body=b"no thanks")] for note, status in refusals.items()},
         "ntf_408": [Reply(408), Reply(204)]}))
    config = tenant_yaml({"ops": rx.url()}, SECRET, {"ops": "[0s, 0s, 0s]"})
    async with delivery_rig(postgres_server, config) as rig:
        await rig.start_delivery()
        order = [*refusals, "ntf_408", "ntf_ok"]
        for note in order:
            await rig.enqueue("ops", note_id=note)
        await rig.wait_until(lambda: rig.settled("ops"), SETTLE)
        outbox = {row.id: row for row in await rig.outbox("ops")}
        log = await rig.attempts("ops")

    for note, status in refusals.items():
        assert (outbox[note].outcome, outbox[note].attempts, outbox[note].last_status) == (
            "dead", 1, status), note
    assert (outbox["ntf_408"].outcome, outbox["ntf_408"].attempts) == ("delivered", 2)
    assert (outbox["ntf_ok"].outcome, outbox["ntf_ok"].attempts) == ("delivered", 1)
    assert [(a.notification_id, a.outcome) for a in log] == [
        *[(note, "dead") for note in refusals], ("ntf_408", "retry"), ("ntf_408", "delivered"),
        ("ntf_ok", "delivered")]
    assert {a.response_excerpt for a in log if a.outcome == "dead"} == {"no thanks"}
    assert rx.delivered_ids() == ["ntf_408", "ntf_ok"]


@pytest.mark.parametrize("status", [429, 503])
async def test_too_many_requests_and_unavailable_honour_retry_after(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver], status: int) -> None:
    rx = receivers()
    rx.reply(in_turn(Reply(status, headers={"Retry-After": "1"}), Reply(204)))
    config = tenant_yaml({"ops": rx.url()}, SECRET, {"ops": "[0s, 0s, 0s]"})
    async with delivery_rig(postgres_server, config) as rig:
        await rig.start_delivery()
        note = await rig.enqueue("ops")
        await rig.wait_until(lambda: rig.settled("ops"), SETTLE)
        asked, delivered = await rig.attempts("ops")

    assert (asked.status_code, asked.outcome) == (status, "retry")
    # The receiver's second, not the schedule's immediate retry.
    assert close_to(wait_after(asked), timedelta(seconds=1))
    assert delivered.at >= known(asked.next_attempt_at)
    assert (delivered.notification_id, delivered.outcome) == (note, "delivered")


async def test_gone_disables_the_endpoint_keeps_its_queue_and_enabling_resends_it_in_order(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    gone, other = receivers(), receivers()
    gone.reply(Reply(410))
    config = tenant_yaml({"gone": gone.url(), "other": other.url()}, SECRET)
    async with delivery_rig(postgres_server, config) as rig:
        await rig.start_delivery()
        first = await rig.enqueue("gone")
        [disabled] = await rig.wait_until(lambda: rig.attempts("gone"), SETTLE)
        later = [await rig.enqueue("gone"), await rig.enqueue("gone")]
        # The dispatcher keeps working (another endpoint's notification goes out) and sends the
        # disabled endpoint nothing.
        await rig.enqueue("other")
        await rig.wait_until(lambda: rig.settled("other"), SETTLE)
        health = await rig.health("gone")
        queue = await rig.outbox("gone")
        assert [h.webhook_id for h in gone.hits] == [first]

        gone.reply(Reply(204))
        assert await rig.enable("gone") == 3
        await rig.wait_until(lambda: rig.settled("gone"), SETTLE)
        after = await rig.health("gone")

    assert (disabled.status_code, disabled.outcome, disabled.next_attempt_at) == (
        410, "disabled", None)  # nothing is scheduled while disabled
    assert health.disabled_at is not None and "410" in (health.disabled_reason or "")
    assert [(row.id, row.outcome, row.attempts) for row in queue] == [
        (first, "pending", 1), (later[0], "pending", 0), (later[1], "pending", 0)]
    assert gone.delivered_ids() == [first, *later]  # the same webhook-id as the 410's attempt
    assert (after.disabled_at, after.consecutive_failures, after.circuit) == (None, 0, "closed")
