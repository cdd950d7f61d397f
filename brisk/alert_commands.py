"""`brisk alerts list|history|notifications`: a tenant's alerts, an alert's history and the
notification log, read from the stack's PostgreSQL (``BRISK_POSTGRES_URL`` first).

User errors are one line on stderr: exit 2 for bad input (or no stack to ask), 1 for something
not found (tenant, alert) or a database that cannot be reached.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import psycopg
import typer

from brisk.listing import print_rows
from brisk.stack_locator import NoStack, postgres_url
from shared.db.pool import CONNECT_TIMEOUT_SECONDS, redact_url
from shared.stores.alerts import AlertRow, DisplayStatus, find_alert_ids, list_alerts
from shared.stores.history import alert_history
from shared.stores.notifications import list_notifications
from shared.stores.tenants import UnknownTenant, check_tenant_name, tenant_id

app = typer.Typer(no_args_is_help=True, add_completion=False)

STATUSES: tuple[DisplayStatus, ...] = ("firing", "resolved", "acked", "silenced", "inhibited")
MIN_PREFIX = 8
ISO3 = re.compile(r"^[A-Z]{3}$")

Tenant = Annotated[str, typer.Option("--tenant", help="The tenant's name")]
AsJson = Annotated[bool, typer.Option("--json", help="One JSON object per line")]
StateDir = Annotated[Path, typer.Option(help="Where brisk up keeps its state")]
T = TypeVar("T")


class _Failure(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@app.command("list")
def list_command(
    tenant: Tenant,
    status: Annotated[str | None, typer.Option(help="firing, resolved, acked, silenced or "
                                                    "inhibited (as the STATUS column shows)")] = None,
    country: Annotated[str | None, typer.Option(help="Only alerts about this ISO3 country")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1-10000)")] = 100,
    as_json: AsJson = False,
    state_dir: StateDir = Path(".brisk"),
) -> None:
    """List a tenant's alerts, most recently updated first."""
    if status is not None and status not in STATUSES:
        _fail(f"--status must be one of {', '.join(STATUSES)}, not {status!r}", 2)
    if country is not None and not ISO3.match(country := country.upper()):
        _fail(f"--country must be an ISO3 code such as CHN, not {country!r}", 2)
    if not 1 <= limit <= 10_000:
        _fail(f"--limit must be between 1 and 10000, not {limit}", 2)
    now = datetime.now(UTC)
    found = _run(state_dir, tenant, lambda conn, tid: list_alerts(
        conn, tid, status, now, limit, country))
    print_rows([_alert_json(r) if as_json else _alert_cells(r) for r in found],
               ["id", "status", "rule", "kind", "severity", "countries", "title", "updated"], as_json)


@app.command("history")
def history_command(
    alert_id: Annotated[str, typer.Argument(help=f"The alert's id, or a unique prefix of at least "
                                                 f"{MIN_PREFIX} characters")],
    tenant: Tenant,
    as_json: AsJson = False,
    state_dir: StateDir = Path(".brisk"),
) -> None:
    """Show an alert's changes, oldest first."""
    async def read(conn: psycopg.AsyncConnection[Any], tid: int) -> list[dict[str, Any]]:
        full_id = await _resolve_id(conn, tid, tenant, alert_id)
        return [{"alert_id": c.alert_id, "time": _time(c.at, as_json), "change": c.change,
                 "detail": c.detail} for c in await alert_history(conn, tid, full_id)]

    print_rows(_run(state_dir, tenant, read), ["time", "change", "detail"], as_json)


@app.command("notifications")
def notifications_command(
    tenant: Tenant,
    receiver: Annotated[str | None, typer.Option(help="Only this receiver's")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1-10000)")] = 100,
    as_json: AsJson = False,
    state_dir: StateDir = Path(".brisk"),
) -> None:
    """List a tenant's notifications, newest first."""
    if not 1 <= limit <= 10_000:
        _fail(f"--limit must be between 1 and 10000, not {limit}", 2)
    records = _run(state_dir, tenant, lambda conn, tid: list_notifications(conn, tid, receiver, limit))
    rows = [{"id": r.id, "time": _time(r.created_at, as_json), "receiver": r.receiver,
             "group": r.group_id, "outcome": r.outcome,
             "firing": r.firing if as_json else len(r.firing),
             "resolved": r.resolved if as_json else len(r.resolved),
             "attempts": r.attempts, "detail": r.detail} for r in records]
    print_rows(rows, ["time", "receiver", "outcome", "firing", "resolved", "attempts", "detail"],
               as_json)


async def _resolve_id(conn: psycopg.AsyncConnection[Any], tid: int, tenant: str, given: str) -> str:
    ids = await find_alert_ids(conn, tid, given)
    if ids and ids[0] == given:
        return given
    if not ids:
        raise _Failure(f"no alert {given!r} in tenant {tenant!r}", 1)
    if len(given) < MIN_PREFIX:
        raise _Failure(f"{given!r} is not a whole alert id, and a prefix needs at least "
                       f"{MIN_PREFIX} characters", 2)
    if len(ids) > 1:
        raise _Failure(f"{given!r} is the start of several alerts' ids: give more of it", 2)
    return ids[0]


def _alert_cells(row: AlertRow) -> dict[str, Any]:
    a = row.alert
    return {"id": a.id[:12], "status": row.display_status, "rule": a.rule, "kind": a.kind,
            "severity": f"{a.severity:.1f}", "countries": a.countries, "title": a.title,
            "updated": _time(a.updated_at, False)}


def _alert_json(row: AlertRow) -> dict[str, Any]:
    """The whole alert with ``status`` the display status (``alert_status``: firing|resolved)."""
    a = row.alert.model_dump(mode="json")
    ack = row.ack
    return {"id": a.pop("id"), "status": row.display_status, "alert_status": a.pop("status"),
            **a, "muted_by": row.muted_by,
            "ack": None if ack is None else {"by": ack.by, "comment": ack.comment,
                                             "created_at": ack.created_at.isoformat(),
                                             "expires_at": ack.expires_at and ack.expires_at.isoformat()}}


def _time(at: datetime, as_json: bool) -> str:
    return at.isoformat() if as_json else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _run(state_dir: Path, tenant: str,
         work: Callable[[psycopg.AsyncConnection[Any], int], Awaitable[T]]) -> T:
    """``work`` on one autocommit connection with the tenant's id; user errors end the command."""
    try:
        check_tenant_name(tenant)
        url = postgres_url(state_dir)
    except (ValueError, NoStack) as exc:
        _fail(str(exc), 2)

    async def session() -> T:
        async with await psycopg.AsyncConnection.connect(
                url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
            return await work(conn, await tenant_id(conn, tenant))

    try:
        return asyncio.run(session())
    except _Failure as exc:
        _fail(str(exc), exc.code)
    except UnknownTenant as exc:
        _fail(str(exc), 1)
    except psycopg.Error as exc:  # unreachable, or not brisk's schema
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        _fail(f"PostgreSQL at {redact_url(url)}: {reason}", 1)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)
