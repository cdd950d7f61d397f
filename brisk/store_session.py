"""How the alerting commands reach PostgreSQL: find it (``--state-dir`` or the environment), run
one unit of async work on one connection, and turn a user's mistake into one line on stderr
with exit code 2 (bad input) or 1 (not found, or no store) — never a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import psycopg
import typer
from psycopg.conninfo import conninfo_to_dict

from brisk.stack_locator import NoStack, postgres_url
from shared.stores.acks import AlertNotFiring, UnknownAlert
from shared.stores.endpoints import UnknownReceiver
from shared.stores.tenants import TenantExists, UnknownTenant

T = TypeVar("T")
BAD_INPUT, NOT_FOUND = 2, 1
CONNECT_TIMEOUT_SECONDS = 5

StateDir = Annotated[Path, typer.Option(help="Where brisk up keeps its state")]
TenantName = Annotated[str, typer.Option("--tenant", "-t", help="The tenant's name")]
AsJson = Annotated[bool, typer.Option("--json", help="One JSON object per line")]


def fail(message: str, code: int = BAD_INPUT) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def run_with_store(state_dir: Path, work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
    """``work(conn)`` on an autocommit connection (stores open their own transactions)."""
    try:
        url = postgres_url(state_dir)
    except NoStack as exc:
        fail(str(exc), NOT_FOUND)
    try:
        return asyncio.run(_run(url, work))
    except (UnknownTenant, UnknownAlert, UnknownReceiver, TenantExists, AlertNotFiring) as exc:
        fail(str(exc), NOT_FOUND)
    except ValueError as exc:
        fail(str(exc), BAD_INPUT)
    except psycopg.OperationalError as exc:
        lines = str(exc).strip().splitlines()
        fail(f"cannot use PostgreSQL at {_where(url)}: {lines[0] if lines else type(exc).__name__}",
             NOT_FOUND)


async def _run(url: str, work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
    try:
        conn = await psycopg.AsyncConnection.connect(url, autocommit=True,
                                                     connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg.ProgrammingError:
        # Not libpq's message: it may quote a piece of the URL, password included.
        raise ValueError("the PostgreSQL URL (BRISK_POSTGRES_URL, or the running stack's) is not "
                         "a valid postgresql:// URL") from None
    async with conn:
        return await work(conn)


MIN_PREFIX = 8


async def resolve_alert_id(conn: psycopg.AsyncConnection[Any], tenant_id: int, tenant: str,
                           given: str) -> str:
    """The full id of the alert ``given`` names: its id, or a unique prefix of at least
    ``MIN_PREFIX`` characters (the tables show 12). Raises UnknownAlert or ValueError."""
    from shared.stores.alerts import find_alert_ids

    ids = await find_alert_ids(conn, tenant_id, given)
    if ids and ids[0] == given:
        return given
    if not ids:
        raise UnknownAlert(f"no alert {given!r} in tenant {tenant!r}")
    if len(given) < MIN_PREFIX:
        raise ValueError(f"{given!r} is not a whole alert id, and a prefix needs at least "
                         f"{MIN_PREFIX} characters")
    if len(ids) > 1:
        raise ValueError(f"{given!r} is the start of several alerts' ids: give more of it")
    return ids[0]


def _where(url: str) -> str:
    """host:port/dbname of a URL, never its password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an invalid BRISK_POSTGRES_URL)"
    return f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"
