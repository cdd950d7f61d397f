"""Settling a batch twice (a worker that lost its endpoint lock while another sent the same
notifications) writes its outcome and its alerts' history once."""

from __future__ import annotations

import pytest

from shared.alerting.webhook_secret import new_secret
from shared.stores import outbox
from shared.stores.outbox import Settled
from tests.integration.conftest import RunningPostgres
from tests.integration.delivery_harness import delivery_rig, tenant_yaml

pytestmark = pytest.mark.integration


async def test_a_second_settle_of_a_dead_notification_adds_no_history(
        postgres_server: RunningPostgres) -> None:
    config = tenant_yaml({"ops": "http://127.0.0.1:9/hook"}, new_secret())
    async with delivery_rig(postgres_server, config) as rig:
        note = await rig.enqueue("ops", firing=["a1", "a2"], wake=False)
        dead = Settled(id=note, outcome="dead", attempts=8, next_attempt_at=None,
                       detail="HTTP 500", last_status=500, attempt=None)
        for _ in range(2):  # the second: the worker that had lost its lock settles late
            async with rig.pool.connection() as conn, conn.transaction():
                await outbox.settle(conn, rig.tenant_id, "ops", [dead], None, rig.clock())
        failed = await rig.history("notify_failed")
        (row,) = await rig.outbox("ops")

        async with rig.pool.connection() as conn, conn.transaction():
            await outbox.settle(conn, rig.tenant_id, "ops", [], None, rig.clock())  # a no-op

    assert (row.outcome, row.attempts) == ("dead", 8)
    assert sorted(r["alert_id"] for r in failed) == ["a1", "a2"]  # once each
