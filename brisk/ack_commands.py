"""`brisk ack` and `brisk unack`: say someone has seen a firing alert (mutes its repeats)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from psycopg import AsyncConnection

from brisk.store_session import StateDir, TenantName, fail, resolve_alert_id, run_with_store
from shared.alerting.durations import parse_duration
from shared.alerting.state import Ack
from shared.clock import utc_now
from shared.stores.acks import ack_alert, unack_alert
from shared.stores.tenants import tenant_id

AlertId = Annotated[str, typer.Argument(metavar="ALERT_ID", help="The alert's id, or a unique "
                                                          "prefix of 8+ characters")]


def ack(
    alert_id: AlertId,
    tenant: TenantName,
    by: Annotated[str, typer.Option(help="Who acknowledges")],
    for_: Annotated[str | None, typer.Option(
        "--for", help="Expire after this long, e.g. 4h (default: until it resolves)")] = None,
    comment: Annotated[str, typer.Option(help="What is being done about it")] = "",
    state_dir: StateDir = Path(".brisk"),
) -> None:
    """Acknowledge a firing alert: no repeat notifications until it resolves or the ack ends."""
    now = utc_now()
    expires_at = None
    if for_ is not None:
        try:
            expires_at = now + parse_duration(for_)
        except ValueError as exc:
            fail(str(exc))

    async def work(conn: AsyncConnection[Any]) -> Ack:
        tid = await tenant_id(conn, tenant)
        full_id = await resolve_alert_id(conn, tid, tenant, alert_id)
        return await ack_alert(conn, tid, full_id, by, comment, now, expires_at)

    done = run_with_store(state_dir, work)
    until = f"until {done.expires_at.isoformat()}" if done.expires_at else "until it resolves"
    typer.echo(f"acknowledged {alert_id} by {done.by} {until}")


def unack(
    alert_id: AlertId,
    tenant: TenantName,
    by: Annotated[str | None, typer.Option(help="Who ends it (default: $USER)")] = None,
    state_dir: StateDir = Path(".brisk"),
) -> None:
    """End an alert's acknowledgement: its repeat notifications resume."""
    who = by or os.environ.get("USER") or "cli"

    async def work(conn: AsyncConnection[Any]) -> bool:
        tid = await tenant_id(conn, tenant)
        full_id = await resolve_alert_id(conn, tid, tenant, alert_id)
        return await unack_alert(conn, tid, full_id, who, utc_now())

    if not run_with_store(state_dir, work):
        fail(f"alert {alert_id} of tenant {tenant} has no live acknowledgement", 1)
    typer.echo(f"ended the acknowledgement of {alert_id}")
