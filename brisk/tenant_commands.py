"""`brisk tenant create NAME` and `brisk tenant list`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from psycopg import AsyncConnection

from brisk.listing import print_rows
from brisk.store_session import AsJson, StateDir, run_with_store
from shared.alerting.state import Tenant
from shared.clock import utc_now
from shared.stores.tenants import create_tenant, list_tenants

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("create")
def create(name: Annotated[str, typer.Argument(help="Lower-case letters, digits, - and _")],
           state_dir: StateDir = Path(".brisk")) -> None:
    """Create a tenant (its configuration starts empty: apply one with `brisk config apply`)."""

    async def work(conn: AsyncConnection[Any]) -> Tenant:
        return await create_tenant(conn, name, utc_now())

    tenant = run_with_store(state_dir, work)
    typer.echo(f"created tenant {tenant.name}")


@app.command("list")
def list_(as_json: AsJson = False, state_dir: StateDir = Path(".brisk")) -> None:
    """List the tenants and their configuration revisions."""
    tenants = run_with_store(state_dir, list_tenants)
    rows = [{"name": t.name, "revision": t.revision, "created_at": t.created_at.isoformat()}
            for t in tenants]
    print_rows(rows, ["name", "revision", "created_at"], as_json)
