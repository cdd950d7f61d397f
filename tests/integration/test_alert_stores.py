"""The alerting lifecycle's stores on the real embedded PostgreSQL: upserts and their outcomes,
concurrency (one alert, one 'fired'; sweeps and group claims split between workers), groups'
stored timers, history, notifications, display statuses and tenant isolation.

The database is shared by the session: every test makes its own tenants. The sweeps
(``resolve_due``, ``claim_due_groups``) look at every tenant, so their tests use times in 2001,
which no other test uses, and look only at their own tenant's rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from shared.alerting.state import AlertGroup, NotificationRecord, Notified, RouteTarget
from shared.schemas.alert import Alert, AlertChange, AlertReason, EventScore
from shared.schemas.scored_event import RiskScores
from shared.stores import alerts, groups, history, notifications, outbox
from shared.stores.outbox import Settled

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PAST = datetime(2001, 1, 1, tzinfo=UTC)  # for the sweeps, see the module docstring
Conn = psycopg.AsyncConnection[Any]


@pytest.fixture
async def conn(postgres_url: str) -> AsyncIterator[Conn]:
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as c:
        yield c


async def new_tenant(conn: Conn) -> tuple[int, str]:
    name = f"t-{uuid4().hex[:20]}"
    cur = await conn.execute("INSERT INTO tenants (name) VALUES (%s) RETURNING id", (name,))
    row = await cur.fetchone()
    assert row is not None
    return int(row[0]), name


def make_alert(tenant: str, alert_id: str = "alert-0001", event_ids: tuple[str, ...] = ("e1",),
               severity: float = 50.0, at: datetime = T0, title: str = "Port strike",
               countries: tuple[str, ...] = ("PAK",)) -> Alert:
    return Alert(tenant=tenant, id=alert_id, fingerprint=alert_id, rule="ports", kind="event",
                 status="firing", labels={"rule": "ports", "country": ",".join(countries)},
                 severity=severity, category="supply_chain", countries=list(countries), title=title,
                 url=f"https://news.example/{title.replace(' ', '-')}",
                 reason=AlertReason(summary=title, events=[
                     EventScore(id=event_ids[-1], title=title, severity=severity,
                                scores=RiskScores(supply_chain=severity))] if event_ids else []),
                 event_ids=list(event_ids), starts_at=at,
                 updated_at=at, resolve_at=at + timedelta(hours=1))


async def test_new_events_update_a_firing_alert_and_redeliveries_change_nothing(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    first = await alerts.upsert_firing(conn, tid, make_alert(name))
    assert (first.outcome, first.alert.episode, first.alert.event_ids) == ("fired", 1, ["e1"])

    version = "SELECT xmin::text FROM alerts WHERE tenant_id = %s"
    before = await (await conn.execute(version, (tid,))).fetchone()
    again = await alerts.upsert_firing(conn, tid, make_alert(name, at=T0 + timedelta(minutes=1)))
    assert again == alerts.Upserted("unchanged", first.alert)
    assert await (await conn.execute(version, (tid,))).fetchone() == before, "nothing written"

    later = T0 + timedelta(minutes=10)
    worse = await alerts.upsert_firing(conn, tid, make_alert(
        name, event_ids=("e1", "e2"), severity=70, at=later, title="Port closed"))
    assert worse.outcome == "updated"
    a = worse.alert
    assert (a.event_ids, a.severity, a.title, a.reason.summary) == (
        ["e1", "e2"], 70, "Port closed", "Port closed")
    assert (a.starts_at, a.updated_at, a.resolve_at) == (T0, later, later + timedelta(hours=1))

    milder = await alerts.upsert_firing(conn, tid, make_alert(
        name, event_ids=("e3",), severity=40, at=T0 + timedelta(minutes=5), title="Port calm"))
    m = milder.alert
    assert milder.outcome == "updated"
    assert (m.event_ids, m.severity, m.title) == (["e1", "e2", "e3"], 70, "Port closed")
    assert m.updated_at == later, "an older event never moves the timers back"
    # The most severe events stay with their scores, most severe first, whatever the order.
    assert [(e.id, e.severity) for e in m.reason.events] == [("e2", 70), ("e1", 50), ("e3", 40)]
    assert await alerts.get_alert(conn, tid, "alert-0001") == m


async def test_only_the_latest_fifty_event_ids_are_kept(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    await alerts.upsert_firing(conn, tid, make_alert(name, event_ids=tuple(f"e{i}" for i in range(50))))
    up = await alerts.upsert_firing(conn, tid, make_alert(
        name, event_ids=tuple(f"e{i}" for i in range(45, 60)) + ("e59",)))
    assert up.alert.event_ids == [f"e{i}" for i in range(10, 60)]


async def test_a_resolved_alert_fires_again_as_a_new_episode(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    await alerts.upsert_firing(conn, tid, make_alert(name))
    assert await alerts.set_muted(conn, tid, "alert-0001", "silence:abc") is None
    resolved = await alerts.resolve_alert(conn, tid, "alert-0001", T0 + timedelta(minutes=5))
    assert resolved is not None
    assert (resolved.status, resolved.ends_at) == ("resolved", T0 + timedelta(minutes=5))
    assert await alerts.resolve_alert(conn, tid, "alert-0001", T0 + timedelta(minutes=6)) is None

    back = T0 + timedelta(hours=3)
    up = await alerts.upsert_firing(conn, tid, make_alert(name, event_ids=("e9",), at=back,
                                                          severity=20, title="Port strike again"))
    a = up.alert
    assert (up.outcome, a.status, a.episode, a.starts_at, a.ends_at) == (
        "refired", "firing", 2, back, None)
    assert (a.event_ids, a.severity, a.title) == (["e9"], 20, "Port strike again")
    assert await alerts.set_muted(conn, tid, "alert-0001", None) is None, "a new episode is unmuted"


@pytest.mark.parametrize("distinct_events", [False, True])
async def test_twenty_workers_upserting_one_alert_fire_it_once(
        postgres_url: str, conn: Conn, distinct_events: bool) -> None:
    tid, name = await new_tenant(conn)
    workers = [await psycopg.AsyncConnection.connect(postgres_url) for _ in range(20)]

    async def upsert(worker: Conn, n: int) -> str:
        async with worker.transaction():
            event = f"e{n}" if distinct_events else "e1"
            return (await alerts.upsert_firing(worker, tid, make_alert(name, event_ids=(event,)))).outcome

    try:
        outcomes = await asyncio.gather(*(upsert(w, n) for n, w in enumerate(workers)))
    finally:
        for w in workers:
            await w.close()
    assert outcomes.count("fired") == 1
    assert set(outcomes) - {"fired"} == ({"updated"} if distinct_events else {"unchanged"})
    stored = await alerts.get_alert(conn, tid, "alert-0001")
    assert stored is not None
    assert sorted(stored.event_ids) == sorted({f"e{n}" if distinct_events else "e1" for n in range(20)})


async def test_two_sweepers_resolve_each_due_alert_exactly_once(postgres_url: str, conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    for n in range(30):
        await alerts.upsert_firing(conn, tid, make_alert(name, f"due-{n:04d}", at=PAST))
    await alerts.upsert_firing(conn, tid, make_alert(name, "not-due-yet", at=PAST + timedelta(days=1)))
    now = PAST + timedelta(hours=2)
    async with await psycopg.AsyncConnection.connect(postgres_url) as a, \
            await psycopg.AsyncConnection.connect(postgres_url) as b:
        first = await alerts.resolve_due(a, now, limit=10)  # a's transaction stays open
        second = await alerts.resolve_due(b, now)  # skips the rows a holds
        await b.commit()
        await a.commit()
        third = await alerts.resolve_due(b, now)
    mine = [[x for x in found if x.tenant == name] for found in (first, second, third)]
    assert (len(mine[0]), len(mine[1]), mine[2]) == (10, 20, [])
    assert sorted(x.id for x in mine[0] + mine[1]) == [f"due-{n:04d}" for n in range(30)]
    assert all(x.status == "resolved" and x.ends_at == PAST + timedelta(hours=1) for x in mine[1])
    assert [x.id for x in await alerts.firing_alerts(conn, tid)] == ["not-due-yet"]


TARGET = RouteTarget(route_id="0.1", receiver="ops", group_by=("country",),
                     group_wait=timedelta(seconds=30), group_interval=timedelta(minutes=5),
                     repeat_interval=timedelta(hours=4))


async def test_a_group_is_made_once_and_keeps_its_timer(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    for alert_id in ("alert-0001", "alert-0002"):
        await alerts.upsert_firing(conn, tid, make_alert(name, alert_id))
    assert await groups.join_group(conn, tid, "g1", TARGET, {"country": "PAK"}, "alert-0001", T0)
    assert not await groups.join_group(conn, tid, "g1", TARGET, {"country": "PAK"}, "alert-0001", T0)
    later = T0 + timedelta(minutes=1)
    assert not await groups.join_group(conn, tid, "g1", TARGET, {"country": "PAK"}, "alert-0002", later)
    [row] = await groups.list_groups(conn, tid)
    assert (row.group.next_flush_at, row.group.created_at, row.group.target) == (
        T0 + timedelta(seconds=30), T0, TARGET)
    assert (row.group.labels, row.alert_ids, row.group.notified) == (
        {"country": "PAK"}, ["alert-0001", "alert-0002"], None)
    assert [a.id for a in await groups.group_alerts(conn, tid, "g1")] == ["alert-0001", "alert-0002"]
    assert await groups.groups_of_alert(conn, tid, "alert-0002") == ["g1"]
    await groups.touch_group(conn, tid, "g1", T0 + timedelta(hours=1))
    await groups.touch_group(conn, tid, "g1", T0 + timedelta(seconds=10))
    [row] = await groups.list_groups(conn, tid)
    assert row.group.next_flush_at == T0 + timedelta(seconds=10)


async def _claim(conn: Conn, name: str, now: datetime) -> list[AlertGroup]:
    found = await groups.claim_due_groups(conn, now, timedelta(minutes=2), limit=100)
    return [g for g in found if g.tenant == name]


async def test_claimed_groups_are_leased_until_flushed_or_the_lease_ends(
        postgres_url: str, conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    for alert_id in ("alert-0001", "alert-0002"):
        await alerts.upsert_firing(conn, tid, make_alert(name, alert_id, at=PAST))
        await groups.join_group(conn, tid, "g1", TARGET, {"country": "PAK"}, alert_id, PAST)
    due = PAST + TARGET.group_wait
    assert await _claim(conn, name, due - timedelta(seconds=1)) == []
    async with await psycopg.AsyncConnection.connect(postgres_url) as a, \
            await psycopg.AsyncConnection.connect(postgres_url) as b:
        [claimed] = await _claim(a, name, due)
        assert await _claim(b, name, due) == [], "a's claim is not committed: skipped"
        await a.commit()
        await b.commit()
        assert await _claim(b, name, due + timedelta(minutes=1)) == [], "leased"
    assert claimed.next_flush_at == due + timedelta(minutes=2)
    [again] = await _claim(conn, name, due + timedelta(minutes=2))  # the flusher died

    await alerts.resolve_alert(conn, tid, "alert-0002", due)
    flushed = Notified(firing=frozenset({"alert-0001"}), resolved=frozenset({"alert-0002"}), at=due)
    await groups.finish_flush(conn, tid, "g1", due + TARGET.group_interval, flushed,
                              drop_members=["alert-0001", "alert-0002"])
    [row] = await groups.list_groups(conn, tid)
    assert (row.alert_ids, row.group.notified) == (["alert-0001"], flushed), "a firing one stays"
    assert await _claim(conn, name, due + TARGET.group_interval - timedelta(seconds=1)) == []
    [next_one] = await _claim(conn, name, due + TARGET.group_interval)
    assert next_one.notified == flushed
    await groups.finish_flush(conn, tid, "g1", due + 2 * TARGET.group_interval, None, [])
    assert (await groups.list_groups(conn, tid))[0].group.notified == flushed, "None keeps it"

    assert not await groups.delete_group(conn, tid, "g1"), "it has a firing member"
    await alerts.resolve_alert(conn, tid, "alert-0001", due)
    assert await groups.delete_group(conn, tid, "g1"), "resolved members go with it"
    assert await groups.groups_of_alert(conn, tid, "alert-0001") == []
    assert await groups.join_group(conn, tid, "g1", TARGET, {}, "alert-0001", due), "made anew"


async def test_an_alert_joining_a_group_being_deleted_lands_in_a_new_one(
        postgres_url: str, conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    for alert_id in ("alert-0001", "alert-0002"):
        await alerts.upsert_firing(conn, tid, make_alert(name, alert_id))
    await groups.join_group(conn, tid, "g1", TARGET, {}, "alert-0001", T0)
    await alerts.resolve_alert(conn, tid, "alert-0001", T0)
    async with await psycopg.AsyncConnection.connect(postgres_url) as deleter, \
            await psycopg.AsyncConnection.connect(postgres_url) as joiner:
        later = T0 + timedelta(minutes=1)
        async with deleter.transaction():
            assert await groups.delete_group(deleter, tid, "g1")
            joining = asyncio.create_task(
                groups.join_group(joiner, tid, "g1", TARGET, {}, "alert-0002", later))
            await asyncio.sleep(0.3)
            assert not joining.done(), "waits for the deletion to commit"
        assert await joining, "a new group"
        await joiner.commit()
    [row] = await groups.list_groups(conn, tid)
    assert (row.alert_ids, row.group.next_flush_at) == (["alert-0002"], later + TARGET.group_wait)


async def test_a_group_is_not_deleted_under_an_alert_joining_it(postgres_url: str, conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    for alert_id in ("alert-0001", "alert-0002"):
        await alerts.upsert_firing(conn, tid, make_alert(name, alert_id))
    await groups.join_group(conn, tid, "g1", TARGET, {}, "alert-0001", T0)
    await alerts.resolve_alert(conn, tid, "alert-0001", T0)
    async with await psycopg.AsyncConnection.connect(postgres_url) as deleter, \
            await psycopg.AsyncConnection.connect(postgres_url) as joiner:
        async with joiner.transaction():
            assert not await groups.join_group(joiner, tid, "g1", TARGET, {}, "alert-0002", T0)
            deleting = asyncio.create_task(groups.delete_group(deleter, tid, "g1"))
            await asyncio.sleep(0.3)
            assert not deleting.done(), "waits for the join to commit"
        assert not await deleting, "and then sees the firing member"
    [row] = await groups.list_groups(conn, tid)
    assert row.alert_ids == ["alert-0001", "alert-0002"]


async def test_history_is_kept_in_order_per_alert(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    await alerts.upsert_firing(conn, tid, make_alert(name))
    kinds = ["fired", "grouped", "silenced", "unsilenced", "resolved"]
    changes = [AlertChange(tenant=name, alert_id="alert-0001", change=k, at=T0 + timedelta(minutes=n),
                           detail={"n": str(n)}) for n, k in enumerate(kinds)]
    await history.record_changes(conn, tid, changes)
    await history.record_changes(conn, tid, [])
    assert await history.alert_history(conn, tid, "alert-0001") == changes
    assert await history.alert_history(conn, tid, "alert-0001", limit=2) == changes[-2:]
    recent = await history.recent_changes(conn, tid, T0 + timedelta(minutes=3), limit=10)
    assert recent == changes[:2:-1]


def record(tenant: str, record_id: str, attempts: int, outcome: Any = "delivered",
           receiver: str = "ops", at: datetime = T0) -> NotificationRecord:
    return NotificationRecord(id=record_id, tenant=tenant, group_id="g1", receiver=receiver,
                              firing=["alert-0001"], resolved=[], created_at=at, outcome=outcome,
                              detail=f"attempt {attempts}" if attempts else "", attempts=attempts)


async def test_a_notification_queued_twice_is_stored_once_with_its_settled_outcome(
        conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    rid = str(uuid4())
    assert await outbox.enqueue(conn, tid, record(name, rid, 0, "pending"), "brisk", b"{}")
    again = record(name, rid, 0, "pending", at=T0 + timedelta(minutes=5))
    assert not await outbox.enqueue(conn, tid, again, "brisk", b"{}")  # the same one: kept as is
    await outbox.settle(conn, tid, "ops", [Settled(rid, "delivered", 3, None, "attempt 3", 204,
                                                   None)], None, T0 + timedelta(minutes=6))
    other = record(name, str(uuid4()), 0, "pending", receiver="audit",
                   at=T0 + timedelta(minutes=1))
    await outbox.enqueue(conn, tid, other, "brisk", b"{}")
    assert await notifications.list_notifications(conn, tid) == [other, record(name, rid, 3)]
    assert await notifications.list_notifications(conn, tid, receiver="ops") == [record(name, rid, 3)]


async def test_a_tenant_never_sees_or_changes_another_tenants_state(conn: Conn) -> None:
    (a_id, a_name), (b_id, b_name) = await new_tenant(conn), await new_tenant(conn)
    a_alert = (await alerts.upsert_firing(conn, a_id, make_alert(a_name, "same-id-1"))).alert
    assert await alerts.get_alert(conn, b_id, "same-id-1") is None
    assert await alerts.resolve_alert(conn, b_id, "same-id-1", T0) is None
    assert await alerts.set_muted(conn, b_id, "same-id-1", "inhibit:0") is None
    b_up = await alerts.upsert_firing(conn, b_id, make_alert(b_name, "same-id-1", title="B's"))
    assert b_up.outcome == "fired" and b_up.alert.tenant == b_name
    assert await alerts.get_alert(conn, a_id, "same-id-1") == a_alert
    assert [r.display_status for r in await alerts.list_alerts(conn, a_id, None, T0)] == ["firing"]

    await history.record_changes(conn, a_id, [AlertChange(tenant=a_name, alert_id="same-id-1",
                                                          change="fired", at=T0)])
    assert await history.alert_history(conn, b_id, "same-id-1") == []
    assert await history.recent_changes(conn, b_id, PAST) == []

    await groups.join_group(conn, a_id, "g-same", TARGET, {}, "same-id-1", T0)
    assert await groups.list_groups(conn, b_id) == []
    assert await groups.group_alerts(conn, b_id, "g-same") == []
    assert await groups.join_group(conn, b_id, "g-same", TARGET, {}, "same-id-1", T0)
    assert [a.tenant for a in await groups.group_alerts(conn, a_id, "g-same")] == [a_name]

    rid = str(uuid4())
    await outbox.enqueue(conn, a_id, record(a_name, rid, 0, "pending"), "brisk", b"{}")
    # B queuing, then settling, a notification with A's id changes nothing of A's.
    assert not await outbox.enqueue(conn, b_id, record(b_name, rid, 0, "pending"), "brisk", b"{}")
    await outbox.settle(conn, b_id, "ops", [Settled(rid, "dead", 5, None, "attempt 5", 500, None)],
                        None, T0)
    assert await notifications.list_notifications(conn, b_id) == []
    assert await notifications.list_notifications(conn, a_id) == [record(a_name, rid, 0, "pending")]


async def test_listing_shows_acked_silenced_and_inhibited_alerts(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    now = T0 + timedelta(minutes=30)
    names = ["plain", "acked", "expired-ack", "old-episode-ack", "silenced", "inhibited", "resolved"]
    for n, alert_id in enumerate(names):
        countries = ("CHN",) if alert_id == "silenced" else ("PAK",)
        await alerts.upsert_firing(conn, tid, make_alert(name, f"{alert_id}-alert", at=T0 + timedelta(
            minutes=n), countries=countries))
    await alerts.resolve_alert(conn, tid, "resolved-alert", now)
    await alerts.set_muted(conn, tid, "silenced-alert", "silence:5b0c")
    await alerts.set_muted(conn, tid, "inhibited-alert", "inhibit:0")
    for alert_id, episode, expires in [("acked-alert", 1, now + timedelta(hours=1)),
                                       ("expired-ack-alert", 1, now - timedelta(seconds=1)),
                                       ("old-episode-ack-alert", 0, None)]:
        await conn.execute("INSERT INTO acks (tenant_id, alert_id, episode, by_whom, comment, "
                           "created_at, expires_at) VALUES (%s, %s, %s, 'ana', 'on it', %s, %s)",
                           (tid, alert_id, episode, T0, expires))

    listed = await alerts.list_alerts(conn, tid, None, now)
    assert [(r.alert.id, r.display_status) for r in listed] == [
        ("resolved-alert", "resolved"), ("inhibited-alert", "inhibited"), ("silenced-alert", "silenced"),
        ("old-episode-ack-alert", "firing"), ("expired-ack-alert", "firing"), ("acked-alert", "acked"),
        ("plain-alert", "firing")]
    acked = next(r for r in listed if r.display_status == "acked")
    assert acked.ack is not None
    assert (acked.ack.by, acked.ack.comment, acked.ack.expires_at) == ("ana", "on it",
                                                                       now + timedelta(hours=1))
    assert listed[2].muted_by == "silence:5b0c"

    async def ids(status: Any, **kw: Any) -> list[str]:
        return [r.alert.id for r in await alerts.list_alerts(conn, tid, status, now, **kw)]

    assert await ids("firing") == ["old-episode-ack-alert", "expired-ack-alert", "plain-alert"]
    assert await ids("acked") == ["acked-alert"]
    assert await ids("silenced") == ["silenced-alert"]
    assert await ids("inhibited") == ["inhibited-alert"]
    assert await ids("resolved") == ["resolved-alert"]
    assert await ids(None, country="CHN") == ["silenced-alert"]
    assert await ids(None, limit=2) == ["resolved-alert", "inhibited-alert"]
    assert await alerts.alerts_by_ids(conn, tid, ["plain-alert", "nope", "acked-alert"]) == [
        r.alert for r in reversed(listed) if r.alert.id in ("plain-alert", "acked-alert")]

