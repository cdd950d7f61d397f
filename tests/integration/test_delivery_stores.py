"""The delivery log, replay and receiver administration on the real embedded PostgreSQL: the rows
are written with SQL as a delivery worker writes them (columns per 0002_delivery.sql), then
listed, filtered, replayed, enabled, disabled and rotated — and another tenant's receiver of the
same name is never listed or touched.

The database is shared by the session: every test makes its own tenants.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from shared.alerting.config import ReceiverConfig, RouteConfig, TenantConfig
from shared.alerting.delivery import AttemptRecord, EndpointHealth, EndpointSummary
from shared.alerting.webhook_secret import new_secret
from shared.stores import deliveries, endpoints, notifications, tenant_config, tenants

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=1)
Conn = psycopg.AsyncConnection[Any]


@pytest.fixture
async def conn(postgres_url: str) -> AsyncIterator[Conn]:
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as c:
        yield c


def receivers_config() -> TenantConfig:
    """ops and audit send; archive has no URL (a null receiver: recorded, never sent)."""
    return TenantConfig(receivers=[ReceiverConfig(name="ops", url="https://hooks.example.com/ops"),
                                   ReceiverConfig(name="audit", url="https://audit.example.com/in",
                                                  format="alertmanager"),
                                   ReceiverConfig(name="archive")],
                        route=RouteConfig(receiver="ops"))


async def configured_tenant(conn: Conn) -> tuple[int, str]:
    """A new tenant with ``receivers_config()`` applied (secrets generated)."""
    name = f"t-{uuid4().hex[:8]}"
    await tenants.create_tenant(conn, name, T0)
    tid = await tenants.tenant_id(conn, name)
    await tenant_config.apply_config(conn, tid, receivers_config(), T0)
    return tid, name


async def add_notification(conn: Conn, tenant_id: int, receiver: str, outcome: str,
                           created_at: datetime = T0, *, attempts: int = 0, detail: str = "",
                           next_attempt_at: datetime | None = None) -> str:
    """A notification as the flush writes it to the outbox, then a worker updates it."""
    note_id = f"ntf_{uuid4().hex}"
    pending = outcome == "pending"
    await conn.execute(
        """INSERT INTO notifications (id, tenant_id, group_id, receiver, firing, resolved,
                                      created_at, outcome, detail, attempts, format, body,
                                      next_attempt_at, last_attempt_at, last_status)
           VALUES (%s, %s, 'g1', %s, '{a1}', '{}', %s, %s, %s, %s, 'brisk', %s, %s, %s, %s)""",
        (note_id, tenant_id, receiver, created_at, outcome, detail, attempts, b'{"id":1}',
         next_attempt_at or (created_at if pending else None),
         created_at if attempts else None, 500 if outcome == "dead" else None))
    return note_id


async def add_attempt(conn: Conn, tenant_id: int, note_id: str, receiver: str, attempt: int,
                      at: datetime, outcome: str, status: int | None, *, error: str = "",
                      excerpt: str = "", next_attempt_at: datetime | None = None) -> None:
    """A delivery_attempts row as a worker writes it after one HTTP attempt."""
    await conn.execute(
        """INSERT INTO delivery_attempts (tenant_id, notification_id, receiver, attempt, at, outcome,
                                          status_code, latency_ms, error, response_excerpt,
                                          next_attempt_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (tenant_id, note_id, receiver, attempt, at, outcome, status, 12.5 * attempt, error, excerpt,
         next_attempt_at))


async def one(conn: Conn, query: str, params: tuple[Any, ...]) -> tuple[Any, ...]:
    row = await (await conn.execute(query, params)).fetchone()
    assert row is not None
    return tuple(row)


async def test_the_delivery_log_is_newest_first_and_filtered(conn: Conn) -> None:
    tid, name = await configured_tenant(conn)
    other_tid, _ = await configured_tenant(conn)
    n1 = await add_notification(conn, tid, "ops", "delivered", attempts=2)
    n2 = await add_notification(conn, tid, "audit", "dead", attempts=1)
    await add_attempt(conn, tid, n1, "ops", 1, T0, "retry", 503, error="HTTP 503",
                      excerpt="upstream busy", next_attempt_at=T0 + timedelta(seconds=5))
    await add_attempt(conn, tid, n2, "audit", 1, T0 + timedelta(seconds=1), "dead", 400,
                      error="HTTP 400: refused for good", excerpt='{"error":"bad payload"}')
    await add_attempt(conn, tid, n1, "ops", 2, T0 + timedelta(seconds=5), "delivered", 204)
    theirs = await add_notification(conn, other_tid, "ops", "dead", attempts=1)
    await add_attempt(conn, other_tid, theirs, "ops", 1, T0 + timedelta(seconds=9), "dead", None,
                      error="connection refused")

    log = await deliveries.list_attempts(conn, tid)
    assert [(a.notification_id, a.attempt, a.outcome) for a in log] == [
        (n1, 2, "delivered"), (n2, 1, "dead"), (n1, 1, "retry")]
    assert log[2] == AttemptRecord(
        notification_id=n1, tenant=name, receiver="ops", attempt=1, at=T0, outcome="retry",
        status_code=503, latency_ms=12.5, error="HTTP 503", response_excerpt="upstream busy",
        next_attempt_at=T0 + timedelta(seconds=5))

    def keys(found: list[AttemptRecord]) -> list[tuple[str, int]]:
        return [(a.notification_id, a.attempt) for a in found]

    assert keys(await deliveries.list_attempts(conn, tid, receiver="ops")) == [(n1, 2), (n1, 1)]
    assert keys(await deliveries.list_attempts(conn, tid, failed_only=True)) == [(n2, 1), (n1, 1)]
    assert keys(await deliveries.list_attempts(conn, tid, notification=n1)) == [(n1, 2), (n1, 1)]
    assert keys(await deliveries.list_attempts(conn, tid, notification=n2[:12])) == [(n2, 1)]
    assert keys(await deliveries.list_attempts(conn, tid, since=T0 + timedelta(seconds=1))) == [
        (n1, 2), (n2, 1)]
    assert keys(await deliveries.list_attempts(conn, tid, limit=1)) == [(n1, 2)]
    assert await deliveries.list_attempts(conn, tid, notification=theirs) == []
    assert keys(await deliveries.list_attempts(conn, other_tid)) == [(theirs, 1)]


async def test_replay_queues_dead_notifications_again_in_their_old_place(conn: Conn) -> None:
    tid, name = await configured_tenant(conn)
    other_tid, _ = await configured_tenant(conn)
    early = await add_notification(conn, tid, "ops", "dead", T0, attempts=8,
                                   detail="HTTP 500 after 8 attempts")
    queued = await add_notification(conn, tid, "ops", "pending", T0 + timedelta(minutes=1))
    late = await add_notification(conn, tid, "ops", "dead", T0 + timedelta(hours=2), attempts=1,
                                  detail="HTTP 410")
    audit = await add_notification(conn, tid, "audit", "dead", T0 + timedelta(hours=3), attempts=8)
    nowhere = await add_notification(conn, tid, "archive", "dead", T0 + timedelta(minutes=30),
                                     attempts=8)  # its URL was removed since
    theirs = await add_notification(conn, other_tid, "ops", "dead", T0, attempts=8)
    seq = "SELECT seq FROM notifications WHERE id = %s"
    seq_before = await one(conn, seq, (late,))

    assert [n.id for n in await deliveries.list_dead(conn, tid)] == [audit, late, nowhere, early]
    assert [n.id for n in await deliveries.list_dead(conn, tid, receiver="ops")] == [late, early]

    assert await deliveries.replay_dead(conn, tid, NOW, receiver="ops",
                                        since=T0 + timedelta(hours=1)) == 1
    state = "SELECT outcome, attempts, next_attempt_at, detail FROM notifications WHERE id = %s"
    assert await one(conn, state, (late,)) == ("pending", 0, NOW, "")
    assert await one(conn, seq, (late,)) == seq_before, "same row, same place in the order"
    assert (await one(conn, state, (early,)))[0] == "dead"

    assert await deliveries.replay_dead(conn, tid, NOW) == 2  # early and audit
    assert await one(conn, state, (early,)) == ("pending", 0, NOW, "")
    assert (await one(conn, state, (audit,)))[0] == "pending"
    assert (await one(conn, state, (nowhere,)))[0] == "dead", "a receiver without URL: nowhere to go"
    assert (await one(conn, state, (theirs,)))[0] == "dead", "another tenant's are untouched"
    order = await (await conn.execute(
        "SELECT id FROM notifications WHERE tenant_id = %s AND receiver = 'ops'"
        " AND outcome = 'pending' ORDER BY seq", (tid,))).fetchall()
    assert [r[0] for r in order] == [early, queued, late]
    assert await deliveries.replay_dead(conn, tid, NOW) == 0

    with pytest.raises(endpoints.UnknownReceiver, match=f"tenant {name} has no receiver 'pager'"):
        await deliveries.replay_dead(conn, tid, NOW, receiver="pager")


async def test_receivers_are_listed_with_health_and_queue_but_never_secrets(conn: Conn) -> None:
    tid, name = await configured_tenant(conn)
    other_tid, _ = await configured_tenant(conn)
    await conn.execute(
        """INSERT INTO endpoints (tenant_id, receiver, consecutive_failures, failing_since, circuit,
                                  circuit_until, circuit_opened, last_success_at)
           VALUES (%s, 'ops', 3, %s, 'open', %s, 1, %s)""",
        (tid, T0 + timedelta(minutes=5), T0 + timedelta(minutes=10), T0))
    await add_notification(conn, tid, "ops", "pending", T0 + timedelta(minutes=2))
    await add_notification(conn, tid, "ops", "pending", T0 + timedelta(minutes=7))
    await add_notification(conn, tid, "ops", "dead", T0)
    await add_notification(conn, tid, "ops", "delivered", T0)
    await add_notification(conn, tid, "archive", "recorded", T0)
    for _ in range(5):
        await add_notification(conn, other_tid, "ops", "pending", T0)

    listed = await endpoints.list_endpoints(conn, tid)
    assert listed == [
        EndpointSummary(health=EndpointHealth(tenant=name, receiver="archive"), url=None,
                        format="brisk", pending=0, oldest_pending_at=None, dead=0),
        EndpointSummary(health=EndpointHealth(tenant=name, receiver="audit"),
                        url="https://audit.example.com/in", format="alertmanager", pending=0,
                        oldest_pending_at=None, dead=0),
        EndpointSummary(health=EndpointHealth(
            tenant=name, receiver="ops", consecutive_failures=3,
            failing_since=T0 + timedelta(minutes=5), circuit="open",
            circuit_until=T0 + timedelta(minutes=10), circuit_opened=1, last_success_at=T0),
            url="https://hooks.example.com/ops", format="brisk", pending=2,
            oldest_pending_at=T0 + timedelta(minutes=2), dead=1)]
    stored = await (await conn.execute("SELECT secret FROM receivers WHERE tenant_id = %s",
                                       (tid,))).fetchall()
    shown = repr([s.model_dump() for s in listed])
    assert stored and not any(secret in shown for (secret,) in stored)
    assert [s.pending for s in await endpoints.list_endpoints(conn, other_tid)] == [0, 0, 5]


async def test_enabling_starts_health_afresh_and_makes_what_is_pending_due_now(conn: Conn) -> None:
    tid, name = await configured_tenant(conn)
    other_tid, _ = await configured_tenant(conn)
    for t in (tid, other_tid):
        await conn.execute(
            """INSERT INTO endpoints (tenant_id, receiver, consecutive_failures, failing_since,
                                      circuit, circuit_until, circuit_opened, disabled_at,
                                      disabled_reason, last_success_at)
               VALUES (%s, 'ops', 40, %s, 'open', %s, 6, %s, 'failing for 5 days', %s)""",
            (t, T0, NOW + timedelta(hours=1), NOW, T0 - timedelta(days=1)))
    later = await add_notification(conn, tid, "ops", "pending", T0, attempts=3,
                                   next_attempt_at=NOW + timedelta(hours=3))
    overdue = await add_notification(conn, tid, "ops", "pending", T0,
                                     next_attempt_at=NOW - timedelta(minutes=1))
    theirs = await add_notification(conn, other_tid, "ops", "pending", T0,
                                    next_attempt_at=NOW + timedelta(hours=3))

    assert await endpoints.enable_endpoint(conn, tid, "ops", NOW) == 2
    [ops] = [s for s in await endpoints.list_endpoints(conn, tid) if s.health.receiver == "ops"]
    assert ops.health == EndpointHealth(tenant=name, receiver="ops",
                                        last_success_at=T0 - timedelta(days=1))
    due = "SELECT next_attempt_at, attempts FROM notifications WHERE id = %s"
    assert await one(conn, due, (later,)) == (NOW, 3)
    assert await one(conn, due, (overdue,)) == (NOW - timedelta(minutes=1), 0), "never later"

    [their_ops] = [s for s in await endpoints.list_endpoints(conn, other_tid)
                   if s.health.receiver == "ops"]
    assert (their_ops.health.disabled_reason, their_ops.health.circuit) == ("failing for 5 days",
                                                                            "open")
    assert await one(conn, due, (theirs,)) == (NOW + timedelta(hours=3), 0)

    assert await endpoints.enable_endpoint(conn, tid, "audit", NOW) == 0, "no row yet: made"
    with pytest.raises(endpoints.UnknownReceiver, match=f"tenant {name} has no receiver 'pager'"):
        await endpoints.enable_endpoint(conn, tid, "pager", NOW)


async def test_disabling_keeps_when_it_stopped_and_takes_the_latest_reason(conn: Conn) -> None:
    tid, name = await configured_tenant(conn)
    other_tid, _ = await configured_tenant(conn)
    await endpoints.disable_endpoint(conn, tid, "ops", "maintenance", T0)
    await endpoints.disable_endpoint(conn, tid, "ops", "  moved to a new host ", T0 + timedelta(hours=1))
    health = {s.health.receiver: s.health for s in await endpoints.list_endpoints(conn, tid)}
    assert (health["ops"].disabled_at, health["ops"].disabled_reason) == (T0, "moved to a new host")
    assert health["audit"].disabled_at is None
    assert all(s.health.disabled_at is None for s in await endpoints.list_endpoints(conn, other_tid))

    with pytest.raises(ValueError, match="needs a reason"):
        await endpoints.disable_endpoint(conn, tid, "audit", " ", T0)
    with pytest.raises(endpoints.UnknownReceiver, match=f"tenant {name} has no receiver 'pager'"):
        await endpoints.disable_endpoint(conn, tid, "pager", "x", T0)


async def test_rotating_a_secret_keeps_the_old_one_valid_for_the_grace(conn: Conn) -> None:
    tid, name = await configured_tenant(conn)
    other_tid, _ = await configured_tenant(conn)
    secrets = ("SELECT secret, previous_secret, previous_secret_until FROM receivers"
               " WHERE tenant_id = %s AND name = 'ops'")
    (old, _, _), theirs = await one(conn, secrets, (tid,)), await one(conn, secrets, (other_tid,))
    fresh = new_secret()

    until = await endpoints.rotate_secret(conn, tid, "ops", fresh, timedelta(hours=24), NOW)
    assert until == NOW + timedelta(hours=24)
    assert await one(conn, secrets, (tid,)) == (fresh, old, until)
    assert await one(conn, secrets, (other_tid,)) == theirs
    [ops] = [s for s in await endpoints.list_endpoints(conn, tid) if s.health.receiver == "ops"]
    assert ops.previous_secret_until == until

    again = await tenant_config.apply_config(conn, tid, receivers_config(), NOW)
    assert again.changes == [], "the document has no secrets: re-applying it keeps the rotation"
    assert await one(conn, secrets, (tid,)) == (fresh, old, until)

    newest = new_secret()
    assert await endpoints.rotate_secret(conn, tid, "ops", newest, timedelta(0), NOW) == NOW
    assert await one(conn, secrets, (tid,)) == (newest, None, None), "grace 0: the old one ends now"

    with pytest.raises(ValueError, match="whsec_"):
        await endpoints.rotate_secret(conn, tid, "ops", "not-a-secret", timedelta(hours=1), NOW)
    with pytest.raises(ValueError, match="negative"):
        await endpoints.rotate_secret(conn, tid, "ops", new_secret(), timedelta(hours=-1), NOW)
    with pytest.raises(endpoints.UnknownReceiver, match=f"tenant {name} has no receiver 'pager'"):
        await endpoints.rotate_secret(conn, tid, "pager", new_secret(), timedelta(hours=1), NOW)
    assert (await one(conn, secrets, (tid,)))[0] == newest


async def test_the_notification_log_says_when_a_pending_one_is_tried_next(conn: Conn) -> None:
    tid, _ = await configured_tenant(conn)
    pending = await add_notification(conn, tid, "ops", "pending", T0 + timedelta(minutes=1),
                                     attempts=2, next_attempt_at=T0 + timedelta(minutes=9))
    dead = await add_notification(conn, tid, "ops", "dead", T0)
    log = await notifications.notification_log(conn, tid)
    assert [(e.record.id, e.record.outcome, e.next_attempt_at) for e in log] == [
        (pending, "pending", T0 + timedelta(minutes=9)), (dead, "dead", None)]
    assert [e.record.id for e in await notifications.notification_log(conn, tid, outcome="dead")] == [
        dead]
    assert [r.id for r in await notifications.list_notifications(conn, tid)] == [pending, dead]
