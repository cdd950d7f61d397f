"""`brisk alerts list|history|notifications`: a tenant's alerts, an alert's history and the
notification log, read from the stack's PostgreSQL (``BRISK_POSTGRES_URL`` first).

User errors are one line on stderr: exit 2 for bad input, 1 for no stack to ask or something
not found (tenant, alert) or a database that cannot be reached.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args

import psycopg
import typer

from brisk.listing import print_rows
from brisk.store_session import MIN_PREFIX, AsJson, StateDir, fail, resolve_alert_id, run_with_store
from shared.alerting.delivery import OutboxOutcome
from shared.stores.alerts import AlertRow, DisplayStatus, list_alerts
from shared.stores.history import alert_history
from shared.stores.notifications import LoggedNotification, notification_log
from shared.stores.tenants import check_tenant_name, tenant_id

app = typer.Typer(no_args_is_help=True, add_completion=False)

STATUSES: tuple[DisplayStatus, ...] = ("firing", "resolved", "acked", "silenced", "inhibited")
OUTCOMES: tuple[OutboxOutcome, ...] = get_args(OutboxOutcome)
ISO3 = re.compile(r"^[A-Z]{3}$")

Tenant = Annotated[str, typer.Option("--tenant", help="The tenant's name")]
T = TypeVar("T")


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
        fail(f"--status must be one of {', '.join(STATUSES)}, not {status!r}")
    if country is not None and not ISO3.match(country := country.upper()):
        fail(f"--country must be an ISO3 code such as CHN, not {country!r}")
    if not 1 <= limit <= 10_000:
        fail(f"--limit must be between 1 and 10000, not {limit}")
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
        full_id = await resolve_alert_id(conn, tid, tenant, alert_id)
        return [{"alert_id": c.alert_id, "time": _time(c.at, as_json), "change": c.change,
                 "detail": c.detail} for c in await alert_history(conn, tid, full_id)]

    print_rows(_run(state_dir, tenant, read), ["time", "change", "detail"], as_json)


@app.command("notifications")
def notifications_command(
    tenant: Tenant,
    receiver: Annotated[str | None, typer.Option(help="Only this receiver's")] = None,
    outcome: Annotated[str | None, typer.Option(help="Only pending, delivered, dead or recorded "
                                                     "ones")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1-10000)")] = 100,
    as_json: AsJson = False,
    state_dir: StateDir = Path(".brisk"),
) -> None:
    """List a tenant's notifications, newest first: pending ones with their next attempt."""
    if not 1 <= limit <= 10_000:
        fail(f"--limit must be between 1 and 10000, not {limit}")
    if outcome is not None and outcome not in OUTCOMES:
        fail(f"--outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    entries = _run(state_dir, tenant, lambda conn, tid: notification_log(
        conn, tid, receiver, limit, outcome))
    print_rows([_notification_row(e, as_json) for e in entries],
               ["time", "receiver", "outcome", "firing", "resolved", "attempts", "next_attempt",
                "detail"], as_json)


def _notification_row(entry: LoggedNotification, as_json: bool) -> dict[str, Any]:
    r, next_at = entry.record, entry.next_attempt_at
    return {"id": r.id, "time": _time(r.created_at, as_json), "receiver": r.receiver,
            "group": r.group_id, "outcome": r.outcome,
            "firing": r.firing if as_json else len(r.firing),
            "resolved": r.resolved if as_json else len(r.resolved),
            "attempts": r.attempts, "next_attempt": next_at and _time(next_at, as_json),
            "detail": r.detail}


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
    """``work`` with the tenant's id, on the stack's PostgreSQL (``store_session``)."""
    try:
        check_tenant_name(tenant)
    except ValueError as exc:
        fail(str(exc))

    async def with_tenant(conn: psycopg.AsyncConnection[Any]) -> T:
        return await work(conn, await tenant_id(conn, tenant))

    return run_with_store(state_dir, with_tenant)
