"""The alerts intake on the real embedded PostgreSQL: a consumed batch is recorded per tenant in
one transaction, and what it records is what recording its records one by one records — the
alerts, their history in order, their groups, the changes published. A malformed record is
dead-lettered while its neighbours are recorded, a redelivered batch changes nothing and counts
its duplicates, ``wake`` comes after the commit, and two workers recording the same stories in
opposite orders do not deadlock.

Each test has databases of its own: the tenant cache loads every tenant it finds.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import psycopg
import pytest
from aiokafka import ConsumerRecord
from prometheus_client import CollectorRegistry
from psycopg_pool import AsyncConnectionPool

from services.alerts.intake import AlertIntake
from services.alerts.metrics import AlertsMetrics
from services.alerts.stages.match import IndexSample
from services.alerts.tenant_cache import TenantCache
from shared.alerting.config_yaml import load_config
from shared.db.pool import open_pool
from shared.schemas import AlertChange, CountryRisk, DeadLetter, ScoredEvent
from shared.stores import tenant_config, tenants
from shared.topics import COUNTRY_RISK, SCORED_EVENTS
from tests.integration.conftest import RunningPostgres, fresh_database

pytestmark = pytest.mark.integration

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
OPS = """
receivers: [{name: log}]
route: {receiver: log, group_by: [country], group_wait: 0s, group_interval: 1m}
rules:
  - {name: serious, kind: event, min_severity: 50}
  - {name: pak-level, kind: country_index, above: 60}
"""
AUDIT = "rules: [{name: everything, kind: event, min_severity: 0}]"


class StepClock:
    """A millisecond later at every call: both ways of recording see the same times."""

    def __init__(self) -> None:
        self.calls = count()

    def __call__(self) -> datetime:
        return T0 + timedelta(milliseconds=next(self.calls))


class NoHistory:
    async def add(self, country: str, category: str, sample: IndexSample) -> list[IndexSample]:
        return [sample]


@dataclass
class Sent:
    changes: list[AlertChange] = field(default_factory=list)
    letters: list[DeadLetter] = field(default_factory=list)

    async def publish(self, changes: Sequence[AlertChange]) -> None:
        self.changes.extend(changes)

    async def dead_letter(self, letter: DeadLetter) -> None:
        self.letters.append(letter)


@dataclass
class Intake:
    intake: AlertIntake
    sent: Sent
    registry: CollectorRegistry

    def counted(self, name: str) -> float:
        return self.registry.get_sample_value(name) or 0.0


async def make_intake(pool: AsyncConnectionPool, wake: Any = None,
                      per_transaction: int = 100) -> Intake:
    cache = TenantCache()
    async with pool.connection() as conn:
        await cache.refresh(conn, T0)
    sent, registry = Sent(), CollectorRegistry()
    intake = AlertIntake(pool=pool, tenants=cache, index_history=NoHistory(), publish=sent.publish,
                         publish_dead_letter=sent.dead_letter,
                         metrics=AlertsMetrics.create(registry), clock=StepClock(), wake=wake,
                         decisions_per_transaction=per_transaction)
    return Intake(intake, sent, registry)


async def with_tenants(server: RunningPostgres) -> str:
    url = fresh_database(server)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        for name, config in (("ops", OPS), ("audit", AUDIT)):
            await tenants.create_tenant(conn, name, T0)
            await tenant_config.apply_config(conn, await tenants.tenant_id(conn, name),
                                             load_config(config), T0)
    return url


@pytest.fixture
async def database(postgres_server: RunningPostgres) -> AsyncIterator[tuple[str, AsyncConnectionPool]]:
    url = await with_tenants(postgres_server)
    pool = await open_pool(url, max_size=8)
    try:
        yield url, pool
    finally:
        await pool.close()


def event(story: str, report: int, severity: float = 70, country: str = "PAK") -> ScoredEvent:
    return ScoredEvent.model_validate({
        "id": f"event-{story}-{report}", "kind": "news", "source": f"outlet-{report}",
        "title": f"Strike at the port ({story})", "published_at": T0, "fetched_at": T0,
        "countries": [country], "scores": {"supply_chain": severity}, "severity": severity,
        "confidence": 0.8, "category": "supply_chain", "cluster_id": story, "scored_at": T0,
        "scorer_version": "test"})


def risk(overall: float) -> CountryRisk:
    return CountryRisk.model_validate({"country": "PAK", "index": {"political": overall},
                                       "overall": overall, "event_count": 3, "updated_at": T0})


offsets = count()


def record(value: ScoredEvent | CountryRisk | bytes, partition: int = 0) -> ConsumerRecord:
    topic = COUNTRY_RISK.name if isinstance(value, CountryRisk) else SCORED_EVENTS.name
    payload = value if isinstance(value, bytes) else value.to_bytes()
    return ConsumerRecord(topic=topic, partition=partition, offset=next(offsets), timestamp=0,
                          timestamp_type=0, key=None, value=payload, checksum=None,
                          serialized_key_size=0, serialized_value_size=len(payload), headers=())


async def stored(url: str) -> dict[str, Any]:
    """Every tenant's alerts, history (in order) and group members, by tenant name."""
    async with await psycopg.AsyncConnection.connect(url) as conn:
        alert_rows = await (await conn.execute(
            "SELECT t.name, a.id, a.status, a.event_ids, a.episode, a.starts_at, a.updated_at,"
            " a.ends_at, a.resolve_at FROM alerts a JOIN tenants t ON t.id = a.tenant_id"
            " ORDER BY t.name, a.id")).fetchall()
        history_rows = await (await conn.execute(
            "SELECT t.name, h.alert_id, h.change, h.at, h.detail FROM alert_history h"
            " JOIN tenants t ON t.id = h.tenant_id ORDER BY t.name, h.id")).fetchall()
        members = await (await conn.execute(
            "SELECT t.name, m.group_id, m.alert_id, g.next_flush_at FROM group_members m"
            " JOIN alert_groups g ON (g.tenant_id, g.id) = (m.tenant_id, m.group_id)"
            " JOIN tenants t ON t.id = m.tenant_id ORDER BY 1, 2, 3")).fetchall()
    return {"alerts": alert_rows, "history": history_rows, "members": members}


def by_tenant(changes: Sequence[AlertChange]) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    for c in changes:
        out.setdefault(c.tenant, []).append((c.alert_id, c.change, c.at, c.detail))
    return out


@pytest.mark.parametrize("per_transaction", [100, 2], ids=["one-transaction", "several"])
async def test_a_batch_records_what_its_records_one_by_one_record(
    postgres_server: RunningPostgres, database: tuple[str, AsyncConnectionPool],
    per_transaction: int,
) -> None:
    records = [record(event("s1", 1)), record(event("s2", 1, country="LKA"), partition=1),
               record(risk(65)), record(event("s1", 2), partition=2),
               record(event("s1", 1)),  # redelivered: nothing new
               record(event("s3", 1, severity=40), partition=3),  # only the audit tenant's rule
               record(risk(55)), record(event("s2", 2, country="LKA"))]
    batch_url, batch_pool = database
    batched = await make_intake(batch_pool, per_transaction=per_transaction)
    await batched.intake.handle_batch(records)

    single_url = await with_tenants(postgres_server)
    single_pool = await open_pool(single_url, max_size=4)
    try:
        single = await make_intake(single_pool)
        for one in records:
            await single.intake.handle(one)
    finally:
        await single_pool.close()

    assert await stored(batch_url) == await stored(single_url)
    assert by_tenant(batched.sent.changes) == by_tenant(single.sent.changes)
    level = next(c.alert_id for c in batched.sent.changes if c.alert and c.alert.rule == "pak-level")
    assert [c.change for c in batched.sent.changes if c.alert_id == level] == [
        "fired", "grouped", "resolved"]
    fired = sorted((c.tenant, c.alert.rule) for c in batched.sent.changes
                   if c.change == "fired" and c.alert is not None)
    assert fired == [("audit", "everything")] * 3 + [("ops", "pak-level")] + [("ops", "serious")] * 2


async def test_a_malformed_record_is_dead_lettered_and_its_neighbours_recorded(
    database: tuple[str, AsyncConnectionPool],
) -> None:
    _, pool = database
    intake = await make_intake(pool)
    bad = b'{"id": "half an event"'
    await intake.intake.handle_batch([record(event("a", 1)), record(bad), record(event("b", 1))])
    [letter] = intake.sent.letters
    assert base64.b64decode(letter.payload_b64) == bad and letter.reason
    assert letter.topic == SCORED_EVENTS.name
    fired = sorted((c.tenant, c.alert.event_ids[0]) for c in intake.sent.changes
                   if c.change == "fired" and c.alert is not None)
    assert fired == [("audit", "event-a-1"), ("audit", "event-b-1"), ("ops", "event-a-1"),
                     ("ops", "event-b-1")]
    assert intake.counted("brisk_alerts_invalid_total") == 1


async def test_a_redelivered_batch_changes_nothing_and_counts_its_duplicates(
    database: tuple[str, AsyncConnectionPool],
) -> None:
    url, pool = database
    wakes: list[int] = []
    intake = await make_intake(pool, wake=lambda: wakes.append(1))
    batch = [record(event("r", 1)), record(event("r", 2), partition=1), record(event("q", 1))]
    await intake.intake.handle_batch(batch)
    first, woken, before = len(intake.sent.changes), len(wakes), await stored(url)
    await intake.intake.handle_batch(batch)
    assert len(intake.sent.changes) == first and len(wakes) == woken
    assert await stored(url) == before
    assert intake.counted("brisk_alerts_duplicates_total") == 6  # three events, two tenants


async def test_wake_comes_after_the_commit_that_recorded_a_change(
    database: tuple[str, AsyncConnectionPool],
) -> None:
    url, pool = database
    seen: list[int] = []

    def wake() -> None:  # another connection: it sees only what was committed
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM alert_history").fetchone()
            seen.append(int(row[0]) if row else 0)

    intake = await make_intake(pool, wake=wake)
    await intake.intake.handle_batch([record(event("w", 1))])
    assert len(seen) == 2 and all(n > 0 for n in seen)  # a commit per tenant, each recorded
    await intake.intake.handle_batch([record(event("w", 1))])  # nothing new: no wake
    assert len(seen) == 2


async def test_two_workers_on_the_same_stories_in_opposite_orders_do_not_deadlock(
    database: tuple[str, AsyncConnectionPool],
) -> None:
    url, pool = database
    stories = [f"d{n:02d}" for n in range(40)]
    countries = ("PAK", "LKA", "KEN")
    forward = [record(event(s, 1, country=countries[n % 3])) for n, s in enumerate(stories)]
    backward = [record(event(s, 2, country=countries[n % 3]))
                for n, s in reversed(list(enumerate(stories)))]
    other_pool = await open_pool(url, max_size=8)
    try:
        one, two = await make_intake(pool), await make_intake(other_pool)
        await asyncio.gather(one.intake.handle_batch(forward), two.intake.handle_batch(backward))
    finally:
        await other_pool.close()
    rows = await stored(url)
    fired = [(tenant, alert) for tenant, alert, change, *_ in rows["history"] if change == "fired"]
    assert len(fired) == len(set(fired)) == 2 * len(stories)
    assert sorted(sorted(ids) for _, _, _, ids, *_ in rows["alerts"]) == sorted(
        [f"event-{s}-1", f"event-{s}-2"] for s in stories for _tenant in ("ops", "audit"))


async def test_a_transaction_chosen_as_a_deadlock_victim_is_run_again(
    database: tuple[str, AsyncConnectionPool],
) -> None:
    """The flusher locks a group's alerts in its own order; when PostgreSQL breaks the deadlock
    by rolling back the intake's transaction, the intake runs it again and loses nothing."""
    url, pool = database
    intake = await make_intake(pool)
    await intake.intake.handle_batch([record(event("x", 1)), record(event("y", 1))])
    ops = await ops_tenant_id(url)
    async with await psycopg.AsyncConnection.connect(url) as flusher:
        ids = sorted(c.alert_id for c in intake.sent.changes
                     if c.tenant == "ops" and c.change == "fired")
        await flusher.execute("UPDATE alerts SET muted_by = NULL WHERE tenant_id = %s AND id = %s",
                              (ops, ids[1]))  # holds the second alert the intake will need
        update = asyncio.create_task(intake.intake.handle_batch(
            [record(event("x", 2)), record(event("y", 2))]))
        while not await waiting_for_a_lock(url):  # the intake holds the first, waits for it
            await asyncio.sleep(0.01)
        await flusher.execute("UPDATE alerts SET muted_by = NULL WHERE tenant_id = %s AND id = %s",
                              (ops, ids[0]))  # a deadlock: PostgreSQL rolls back the intake's
        await flusher.commit()
        await update
    rows = await stored(url)
    assert sorted(sorted(kept) for _, _, _, kept, *_ in rows["alerts"]) == sorted(
        [f"event-{s}-1", f"event-{s}-2"] for s in ("x", "y") for _tenant in ("ops", "audit"))
    assert len([c for c in intake.sent.changes if c.change == "updated"]) == 4


async def ops_tenant_id(url: str) -> int:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        return await tenants.tenant_id(conn, "ops")


async def waiting_for_a_lock(url: str) -> bool:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        row = await (await conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'")).fetchone()
    return bool(row and row[0])
