"""`brisk deliveries` (the delivery log: every HTTP attempt, newest first) and
`brisk deliveries replay` (dead notifications back into the outbox).

User errors are one line on stderr: exit 2 for bad input, 1 for something not found (tenant,
receiver) or no database to ask.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from psycopg import AsyncConnection

from brisk.listing import print_rows
from brisk.store_session import AsJson, StateDir, fail, run_with_store
from shared.alerting.delivery import AttemptRecord
from shared.alerting.durations import parse_duration
from shared.clock import utc_now
from shared.stores.deliveries import list_attempts, replay_dead
from shared.stores.tenants import tenant_id

app = typer.Typer(add_completion=False)

ID_SHOWN = 12  # characters of a notification id in the table (--json has it whole)
EXCERPT_SHOWN = 40

OptionalTenant = Annotated[str | None, typer.Option("--tenant", "-t", help="The tenant's name")]
Receiver = Annotated[str | None, typer.Option("--receiver", "-r", help="Only this receiver's")]
Since = Annotated[str | None, typer.Option(
    help="Only since then: a duration back from now (2h, 1d) or an ISO 8601 time with a zone")]

COLUMNS = ["time", "receiver", "notification", "attempt", "outcome", "status", "latency_ms",
           "error", "response", "next_attempt"]


@app.callback(invoke_without_command=True)
def deliveries(
    ctx: typer.Context,
    tenant: OptionalTenant = None,
    receiver: Receiver = None,
    failed: Annotated[bool, typer.Option("--failed", help="Only attempts not delivered")] = False,
    notification: Annotated[str | None, typer.Option(
        help="Only this notification's attempts (its id, or the start of it)")] = None,
    since: Since = None,
    limit: Annotated[int, typer.Option(help="At most this many (1-10000)")] = 100,
    as_json: AsJson = False,
    state_dir: StateDir = Path(".brisk"),
) -> None:
    """List a tenant's delivery attempts, newest first (the delivery log)."""
    if ctx.invoked_subcommand is not None:
        return
    if tenant is None:
        fail("--tenant is required: whose delivery log?")
    if not 1 <= limit <= 10_000:
        fail(f"--limit must be between 1 and 10000, not {limit}")
    start = _since(since, utc_now())

    async def work(conn: AsyncConnection[Any]) -> list[AttemptRecord]:
        return await list_attempts(conn, await tenant_id(conn, tenant), receiver=receiver,
                                   failed_only=failed, notification=notification or None,
                                   since=start, limit=limit)

    found = run_with_store(state_dir, work)
    print_rows([a.model_dump(mode="json") if as_json else _cells(a) for a in found], COLUMNS,
               as_json)


@app.command("replay")
def replay(
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="The tenant's name")],
    receiver: Receiver = None,
    since: Since = None,
    state_dir: StateDir = Path(".brisk"),
) -> None:
    """Queue dead notifications again; prints how many.

    Each keeps its webhook-id and its old place in its receiver's order. Only those created
    since --since, only --receiver's, if given.
    """
    now = utc_now()
    start = _since(since, now)

    async def work(conn: AsyncConnection[Any]) -> int:
        return await replay_dead(conn, await tenant_id(conn, tenant), now, receiver=receiver,
                                 since=start)

    count = run_with_store(state_dir, work)
    whose = f" of receiver {receiver}" if receiver else ""
    typer.echo(f"queued {count} dead notification{'' if count == 1 else 's'}{whose} again")


def parse_since(text: str, now: datetime) -> datetime:
    """``2h`` → two hours before ``now``; an ISO 8601 time with a zone → that time. ValueError
    naming both forms otherwise."""
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since {text!r} is neither a duration such as 2h nor an ISO 8601 time "
                         "such as 2024-05-01T12:00:00Z") from None
    if value.tzinfo is None:
        raise ValueError(f"--since {text!r} needs a time zone, e.g. 2024-05-01T12:00:00Z")
    return value


def _since(text: str | None, now: datetime) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_since(text, now)
    except ValueError as exc:
        fail(str(exc))


def _cells(a: AttemptRecord) -> dict[str, Any]:
    excerpt = a.response_excerpt.replace("\n", " ")
    if len(excerpt) > EXCERPT_SHOWN:
        excerpt = excerpt[: EXCERPT_SHOWN - 1] + "…"
    return {"time": _time(a.at), "receiver": a.receiver, "notification": a.notification_id[:ID_SHOWN],
            "attempt": a.attempt, "outcome": a.outcome, "status": a.status_code,
            "latency_ms": f"{a.latency_ms:.0f}", "error": a.error or None,
            "response": excerpt or None,
            "next_attempt": _time(a.next_attempt_at) if a.next_attempt_at else None}


def _time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
