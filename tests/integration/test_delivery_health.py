"""Webhook delivery on real parts, as ``test_delivery_worker.py`` (see there, also for the
compressed schedules and the shifted clock): an endpoint's circuit, dead letters, the delivery
log, the webhook-id kept across retries, and key rotation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from services.alerts.delivery.circuit import CircuitPolicy
from shared.alerting.delivery import EndpointHealth
from shared.alerting.webhook_secret import new_secret
from tests.integration.conftest import RunningPostgres
from tests.integration.delivery_harness import (
    DeliveryRig,
    ShiftedClock,
    delivery_rig,
    tenant_yaml,
)
from tests.integration.delivery_replies import (
    SETTLE,
    hits,
    in_turn,
    known,
    per_notification,
    wait_after,
)
from tests.receivers import Receiver, Reply

pytestmark = pytest.mark.integration

SECRET = new_secret()


async def test_the_circuit_opens_after_failures_in_a_row_then_a_probe_reopens_or_closes_it(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    rx = receivers()
    rx.reply(in_turn(*[Reply(503)] * 4, Reply(204)))
    clock = ShiftedClock()
    config = tenant_yaml({"ops": rx.url()}, SECRET, {"ops": "[0s, 0s, 0s, 0s, 0s, 0s, 0s, 0s]"})
    policy = CircuitPolicy(failure_threshold=3, cooldown=timedelta(hours=1),
                           max_cooldown=timedelta(hours=4))
    async with delivery_rig(postgres_server, config, clock=clock) as rig:
        await rig.start_delivery(policy=policy)
        first, second = await rig.enqueue("ops"), await rig.enqueue("ops")

        opened = await rig.wait_until(lambda: _circuit(rig, "open", 1), SETTLE)
        log = await rig.attempts("ops")
        assert [(a.notification_id, a.outcome) for a in log] == [(first, "retry")] * 3
        assert opened.circuit_until == log[-1].next_attempt_at
        assert wait_after(log[-1]) == timedelta(hours=1)
        assert opened.consecutive_failures == 3
        clock.advance_to(known(opened.circuit_until))  # the cool-down is over: one probe goes out

        reopened = await rig.wait_until(lambda: _circuit(rig, "open", 2), SETTLE)
        probe = (await rig.attempts("ops"))[-1]
        assert (probe.attempt, probe.outcome) == (4, "retry")
        assert probe.at >= known(opened.circuit_until)
        assert known(reopened.circuit_until) - probe.at == timedelta(hours=2)  # doubled
        clock.advance_to(known(reopened.circuit_until))

        closed = await rig.wait_until(lambda: _circuit(rig, "closed", 0), SETTLE)
        await rig.wait_until(lambda: rig.settled("ops"), SETTLE)
        log = await rig.attempts("ops")

    assert (closed.consecutive_failures, closed.last_success_at is not None) == (0, True)
    assert [(a.notification_id, a.attempt, a.outcome) for a in log] == [
        *[(first, n, "retry") for n in range(1, 5)], (first, 5, "delivered"),
        (second, 1, "delivered")]
    assert log[4].at >= known(reopened.circuit_until)
    # While the circuit was open nothing was sent, not even the notification behind.
    assert [h.webhook_id for h in rx.hits] == [first] * 5 + [second]


async def _circuit(rig: DeliveryRig, state: str, opened: int) -> EndpointHealth | None:
    """The endpoint's health once its circuit is ``state`` after ``opened`` openings."""
    health = await rig.health("ops")
    return health if (health.circuit, health.circuit_opened) == (state, opened) and (
        state != "closed" or health.last_success_at is not None) else None


async def test_a_spent_schedule_leaves_the_notification_dead_in_its_alerts_history(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    rx = receivers()
    rx.reply(per_notification({"ntf_doomed": [Reply(500)]}))
    config = tenant_yaml({"ops": rx.url()}, SECRET, {"ops": "[0s, 0s]"})
    async with delivery_rig(postgres_server, config) as rig:
        await rig.start_delivery()
        await rig.enqueue("ops", note_id="ntf_doomed", firing=["a1", "a2"], resolved=["a3"])
        after = await rig.enqueue("ops", firing=["a4"])
        await rig.wait_until(lambda: rig.settled("ops"), SETTLE)
        outbox = {row.id: row for row in await rig.outbox("ops")}
        log = await rig.attempts("ops")
        failed = await rig.history("notify_failed")

    doomed = outbox["ntf_doomed"]
    assert (doomed.outcome, doomed.attempts, doomed.last_status) == ("dead", 2, 500)
    assert [(a.attempt, a.outcome, a.next_attempt_at) for a in log if a.notification_id == doomed.id
            ] == [(1, "retry", log[0].next_attempt_at), (2, "dead", None)]
    assert outbox[after].outcome == "delivered"  # the queue went on behind the dead one
    assert sorted(row["alert_id"] for row in failed) == ["a1", "a2", "a3"]
    for row in failed:
        assert row["detail"]["receiver"] == "ops"
        assert row["detail"]["notification"] == "ntf_doomed"
        assert row["detail"]["outcome"] == "dead"
        assert "HTTP 500" in row["detail"]["detail"]


async def test_every_attempt_is_a_delivery_log_row_with_a_bounded_response_excerpt(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    rx = receivers()
    rx.reply(in_turn(Reply(500, body=b"x" * 5000), Reply(201, body=b'{"ok": true}')))
    config = tenant_yaml({"ops": rx.url()}, SECRET, {"ops": "[0s, 0s]"})
    async with delivery_rig(postgres_server, config) as rig:
        await rig.start_delivery(excerpt_bytes=256)
        note = await rig.enqueue("ops")
        await rig.wait_until(lambda: rig.settled("ops"), SETTLE)
        failed, delivered = await rig.attempts("ops")
        [row] = await rig.outbox("ops")

    assert (failed.notification_id, failed.attempt, failed.outcome) == (note, 1, "retry")
    assert (failed.status_code, failed.error) == (500, "")
    assert failed.response_excerpt == "x" * 256
    assert failed.next_attempt_at is not None and failed.next_attempt_at >= failed.at
    assert failed.latency_ms > 0
    assert (delivered.attempt, delivered.outcome, delivered.status_code) == (2, "delivered", 201)
    assert delivered.response_excerpt == '{"ok": true}'
    assert delivered.next_attempt_at is None and delivered.latency_ms > 0
    assert (row.outcome, row.attempts, row.last_status) == ("delivered", 2, 201)
    assert row.delivered_at == delivered.at


async def test_every_retry_carries_the_same_webhook_id_and_body_freshly_signed(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    rx = receivers()
    rx.reply(in_turn(Reply(503), Reply(503), Reply(204)))
    config = tenant_yaml({"ops": rx.url()}, SECRET, {"ops": "[0s, 0s, 0s]"})
    async with delivery_rig(postgres_server, config) as rig:
        await rig.start_delivery()
        note = await rig.enqueue("ops", firing=["a1"])
        await rig.wait_until(lambda: rig.settled("ops"), SETTLE)

    assert [h.webhook_id for h in rx.hits] == [note] * 3
    assert len({h.body for h in rx.hits}) == 1
    for hit in rx.hits:
        payload = Webhook(SECRET).verify(hit.body, hit.headers)
        assert payload["id"] == note
    assert rx.delivered_ids() == [note]


async def test_during_a_key_rotation_both_secrets_verify_and_afterwards_only_the_new_one(
        postgres_server: RunningPostgres, receivers: Callable[..., Receiver]) -> None:
    rx = receivers()
    clock = ShiftedClock()
    fresh = new_secret()
    async with delivery_rig(postgres_server, tenant_yaml({"ops": rx.url()}, SECRET),
                            clock=clock) as rig:
        await rig.start_delivery()
        # Within standardwebhooks' five-minute timestamp tolerance, so that shifting the clock
        # past the grace period still yields messages a receiver accepts.
        until = await rig.rotate_secret("ops", fresh, grace=timedelta(minutes=2))
        during = await rig.enqueue("ops")
        assert await hits(rx, 1)
        clock.advance_to(until + timedelta(seconds=1))
        after = await rig.enqueue("ops")
        assert await hits(rx, 2)
        await rig.wait_until(lambda: rig.settled("ops"), SETTLE)

    rotating, rotated = rx.hits
    assert (rotating.webhook_id, rotated.webhook_id) == (during, after)
    assert len(rotating.headers["webhook-signature"].split()) == 2
    for secret in (SECRET, fresh):
        assert Webhook(secret).verify(rotating.body, rotating.headers)["id"] == during
    assert len(rotated.headers["webhook-signature"].split()) == 1
    assert Webhook(fresh).verify(rotated.body, rotated.headers)["id"] == after
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(rotated.body, rotated.headers)
