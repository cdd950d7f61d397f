"""`brisk silence add | list | expire`: mute a tenant's alerts by matchers for a while."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from psycopg import AsyncConnection

from brisk.listing import print_rows
from brisk.store_session import AsJson, StateDir, TenantName, fail, run_with_store
from shared.alerting.durations import parse_duration
from shared.alerting.matchers import Matcher, parse_matcher
from shared.alerting.state import Silence
from shared.clock import utc_now
from shared.stores.silences import add_silence, expire_silence, list_silences
from shared.stores.tenants import tenant_id

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("add")
def add(
    tenant: TenantName,
    matcher: Annotated[list[str], typer.Option(
        "--matcher", "-m", help='An alert label matcher, e.g. country="PAK" (repeat: all must match)')],
    for_: Annotated[str, typer.Option("--for", help="How long, e.g. 2h or 1d12h")],
    comment: Annotated[str, typer.Option(help="Why (shown with the silence)")],
    starts_at: Annotated[str | None, typer.Option(
        help="ISO 8601 time with a zone, e.g. 2024-05-01T12:00:00Z (default: now)")] = None,
    by: Annotated[str | None, typer.Option(help="Who silences (default: $USER)")] = None,
    state_dir: StateDir = Path(".brisk"),
) -> None:
    """Silence the tenant's alerts that match every --matcher; prints the silence's id."""
    try:
        matchers: list[Matcher] = [parse_matcher(m) for m in matcher]
        length = parse_duration(for_)
    except ValueError as exc:
        fail(str(exc))
    if length <= timedelta(0):
        fail("--for must be longer than 0s")
    now = utc_now()
    start = _instant(starts_at) if starts_at else now
    if start + length <= now:
        fail("that silence would have ended already: move --starts-at or lengthen --for")
    author = by or os.environ.get("USER") or "cli"

    async def work(conn: AsyncConnection[Any]) -> Silence:
        return await add_silence(conn, await tenant_id(conn, tenant), matchers, start,
                                 start + length, author, comment, now=now)

    typer.echo(run_with_store(state_dir, work).id)


@app.command("list")
def list_(
    tenant: TenantName,
    expired: Annotated[bool, typer.Option("--expired", help="Include expired silences")] = False,
    as_json: AsJson = False,
    state_dir: StateDir = Path(".brisk"),
) -> None:
    """List the tenant's active and pending silences."""
    now = utc_now()

    async def work(conn: AsyncConnection[Any]) -> list[Silence]:
        return await list_silences(conn, await tenant_id(conn, tenant), now, include_expired=expired)

    rows = [_row(s, now) for s in run_with_store(state_dir, work)]
    print_rows(rows, ["id", "state", "matchers", "starts_at", "ends_at", "created_by", "comment"],
               as_json)


@app.command("expire")
def expire(tenant: TenantName, silence_id: Annotated[str, typer.Argument(metavar="ID")],
           state_dir: StateDir = Path(".brisk")) -> None:
    """End a silence now."""

    async def work(conn: AsyncConnection[Any]) -> bool:
        return await expire_silence(conn, await tenant_id(conn, tenant), silence_id, utc_now())

    if not run_with_store(state_dir, work):
        fail(f"tenant {tenant} has no active or pending silence {silence_id}", 1)
    typer.echo(f"expired silence {silence_id}")


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--starts-at {text!r} is not an ISO 8601 time such as 2024-05-01T12:00:00Z")
    if value.tzinfo is None:
        fail(f"--starts-at {text!r} needs a time zone, e.g. 2024-05-01T12:00:00Z")
    return value


def _row(silence: Silence, now: datetime) -> dict[str, Any]:
    state = "expired" if silence.ends_at <= now else "pending" if silence.starts_at > now else "active"
    return {"id": silence.id, "state": state, "matchers": [str(m) for m in silence.matchers],
            "starts_at": silence.starts_at.isoformat(), "ends_at": silence.ends_at.isoformat(),
            "created_by": silence.created_by, "comment": silence.comment}
