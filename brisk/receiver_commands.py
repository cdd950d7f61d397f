"""`brisk receiver list | rotate-secret | enable | disable`: each receiver's delivery health and
queue, its signing secret, and stopping or resuming deliveries to it.

The delivery workers read a receiver's URL and secrets at every batch: a change made here applies
to the next delivery, with no restart and no configuration revision.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from psycopg import AsyncConnection

from brisk.listing import print_rows
from brisk.store_session import AsJson, StateDir, TenantName, fail, run_with_store
from shared.alerting.delivery import EndpointSummary
from shared.alerting.durations import format_duration, parse_duration
from shared.alerting.webhook_secret import new_secret
from shared.clock import utc_now
from shared.stores.endpoints import disable_endpoint, enable_endpoint, list_endpoints, rotate_secret
from shared.stores.tenants import tenant_id

app = typer.Typer(no_args_is_help=True, add_completion=False)

ReceiverName = Annotated[str, typer.Option("--receiver", "-r", help="The receiver's name")]

COLUMNS = ["name", "url", "format", "circuit", "disabled", "failures", "failing_since", "pending",
           "oldest_pending", "dead", "previous_secret_until"]


@app.command("list")
def list_(tenant: TenantName, as_json: AsJson = False, state_dir: StateDir = Path(".brisk")) -> None:
    """List the tenant's receivers with their delivery health and queue (never their secrets)."""

    async def work(conn: AsyncConnection[Any]) -> list[EndpointSummary]:
        return await list_endpoints(conn, await tenant_id(conn, tenant))

    now = utc_now()
    found = run_with_store(state_dir, work)
    print_rows([_json(s) if as_json else _cells(s, now) for s in found], COLUMNS, as_json)


@app.command("rotate-secret")
def rotate(
    tenant: TenantName,
    receiver: ReceiverName,
    grace: Annotated[str, typer.Option(
        help="How long the old secret stays valid too (0 ends it now)")] = "24h",
    state_dir: StateDir = Path(".brisk"),
) -> None:
    """Give the receiver a new signing secret, printed this once.

    Until --grace has passed, every delivery is signed with both the new and the old secret.
    """
    try:
        keep_old = parse_duration(grace)
    except ValueError as exc:
        fail(f"--grace: {exc}")
    secret = new_secret()

    async def work(conn: AsyncConnection[Any]) -> datetime:
        return await rotate_secret(conn, await tenant_id(conn, tenant), receiver, secret, keep_old,
                                   utc_now())

    until = run_with_store(state_dir, work)
    typer.echo(f"new secret of receiver {receiver}: {secret}")
    if keep_old > timedelta(0):
        typer.echo(f"the old secret stays valid until {_time(until)} ({format_duration(keep_old)}): "
                   "until then deliveries carry both signatures")
    else:
        typer.echo("the old secret is no longer valid: deliveries carry only the new signature")
    typer.echo("warning: the new secret is shown only this once; give it to the receiver now",
               err=True)


@app.command("enable")
def enable(tenant: TenantName, receiver: ReceiverName, state_dir: StateDir = Path(".brisk")) -> None:
    """Resume deliveries to the receiver: what is pending is sent now, in order.

    Its circuit is closed and its failures forgotten.
    """

    async def work(conn: AsyncConnection[Any]) -> int:
        return await enable_endpoint(conn, await tenant_id(conn, tenant), receiver, utc_now())

    pending = run_with_store(state_dir, work)
    typer.echo(f"enabled receiver {receiver}: {pending} pending "
               f"notification{'' if pending == 1 else 's'} will be sent now")


@app.command("disable")
def disable(
    tenant: TenantName,
    receiver: ReceiverName,
    reason: Annotated[str, typer.Option(help="Why (shown by `receiver list`)")] = "disabled by hand",
    state_dir: StateDir = Path(".brisk"),
) -> None:
    """Stop every delivery to the receiver until it is enabled again.

    Its notifications keep queueing meanwhile.
    """

    async def work(conn: AsyncConnection[Any]) -> None:
        await disable_endpoint(conn, await tenant_id(conn, tenant), receiver, reason, utc_now())

    run_with_store(state_dir, work)
    typer.echo(f"disabled receiver {receiver}: notifications queue until "
               f"`brisk receiver enable -t {tenant} -r {receiver}`")


def _cells(s: EndpointSummary, now: datetime) -> dict[str, Any]:
    h = s.health
    disabled = None
    if h.disabled_at is not None:
        disabled = f"since {_time(h.disabled_at)}" + (f": {h.disabled_reason}" if h.disabled_reason
                                                      else "")
    until = s.previous_secret_until
    return {"name": h.receiver, "url": s.url, "format": s.format, "circuit": h.circuit,
            "disabled": disabled, "failures": h.consecutive_failures,
            "failing_since": _time(h.failing_since) if h.failing_since else None,
            "pending": s.pending,
            "oldest_pending": _age(now - s.oldest_pending_at) if s.oldest_pending_at else None,
            "dead": s.dead,
            "previous_secret_until": _time(until) if until and until > now else None}


def _json(s: EndpointSummary) -> dict[str, Any]:
    """The summary flattened: the receiver's ``name`` first, its health's fields, its queue."""
    data = s.model_dump(mode="json")
    health = data.pop("health")
    del health["tenant"]
    return {"name": health.pop("receiver"), "url": data.pop("url"), "format": data.pop("format"),
            **health, **data}


def _age(age: timedelta) -> str:
    return format_duration(timedelta(seconds=int(max(age, timedelta(0)).total_seconds())))


def _time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
