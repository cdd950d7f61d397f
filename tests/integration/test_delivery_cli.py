"""``brisk deliveries [replay]``, ``brisk receiver list | rotate-secret | enable | disable`` and the
outbox's outcomes in ``brisk alerts notifications``, through the real command line on the real
embedded PostgreSQL: what is printed, ``--json`` one object a line, what is refused with one
line and which exit code, and a rotated secret printed once and then stored.

The rows a delivery worker writes are written with SQL (``test_delivery_stores``' helpers), at
times relative to the real clock because ``--since 2h`` is read against it.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner, Result

from brisk.cli import app
from tests.integration.test_delivery_stores import add_attempt, add_notification, configured_tenant

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC).replace(microsecond=0)
LONG_EXCERPT = "<html><body>" + "Service Unavailable " * 10 + "</body></html>"


@dataclass(frozen=True)
class Seeded:
    tenant: str
    other: str  # another tenant with receivers of the same names
    retried: str  # ops: a 503, then delivered
    refused: str  # audit: dead after a 400, an hour ago
    old_dead: str  # ops: dead, five hours ago
    pending: str  # ops: waiting for its next attempt


async def _seed(url: str) -> Seeded:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        tid, name = await configured_tenant(conn)
        _, other = await configured_tenant(conn)
        start = NOW - timedelta(hours=3)
        retried = await add_notification(conn, tid, "ops", "delivered", start, attempts=2)
        await add_attempt(conn, tid, retried, "ops", 1, start, "retry", 503, error="HTTP 503",
                          excerpt=LONG_EXCERPT, next_attempt_at=start + timedelta(seconds=5))
        await add_attempt(conn, tid, retried, "ops", 2, start + timedelta(seconds=5), "delivered", 204)
        refused = await add_notification(conn, tid, "audit", "dead", NOW - timedelta(hours=1),
                                         attempts=1, detail="HTTP 400")
        await add_attempt(conn, tid, refused, "audit", 1, NOW - timedelta(hours=1), "dead", 400,
                          error="HTTP 400: refused for good", excerpt='{"error":"bad payload"}')
        old_dead = await add_notification(conn, tid, "ops", "dead", NOW - timedelta(hours=5),
                                          attempts=8)
        pending = await add_notification(conn, tid, "ops", "pending", NOW - timedelta(minutes=30),
                                         attempts=1, next_attempt_at=NOW + timedelta(minutes=10))
    return Seeded(name, other, retried, refused, old_dead, pending)


@pytest.fixture
def seeded(postgres_url: str) -> Seeded:
    return asyncio.run(_seed(postgres_url))


@pytest.fixture
def brisk(postgres_url: str, tmp_path: Path) -> Any:
    def run(*args: str) -> Result:
        return CliRunner().invoke(app, [*args, "--state-dir", str(tmp_path / "no-stack")],
                                  env={"BRISK_POSTGRES_URL": postgres_url})
    return run


@pytest.fixture
def secrets(postgres_url: str) -> Any:
    """(secret, previous_secret, previous_secret_until) of a tenant's receiver, read directly."""
    def read(tenant: str, receiver: str = "ops") -> tuple[Any, ...]:
        with psycopg.connect(postgres_url) as conn:
            row = conn.execute("SELECT r.secret, r.previous_secret, r.previous_secret_until"
                               " FROM receivers r JOIN tenants t ON t.id = r.tenant_id"
                               " WHERE t.name = %s AND r.name = %s", (tenant, receiver)).fetchone()
        assert row is not None
        return tuple(row)
    return read


def json_lines(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def refused(result: Result, code: int, says: str) -> None:
    assert result.exit_code == code, result.output
    assert says in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_the_delivery_log_is_a_table_or_json_lines_newest_first(brisk: Any, seeded: Seeded) -> None:
    table = brisk("deliveries", "--tenant", seeded.tenant)
    assert table.exit_code == 0, table.output
    header, dead, delivered, retry = table.stdout.splitlines()
    assert header.split() == ["TIME", "RECEIVER", "NOTIFICATION", "ATTEMPT", "OUTCOME", "STATUS",
                              "LATENCY_MS", "ERROR", "RESPONSE", "NEXT_ATTEMPT"]
    assert dead.split()[2:7] == ["audit", seeded.refused[:12], "1", "dead", "400"]
    assert delivered.split()[2:7] == ["ops", seeded.retried[:12], "2", "delivered", "204"]
    assert retry.split()[2:8] == ["ops", seeded.retried[:12], "1", "retry", "503", "12"]
    assert seeded.retried not in table.stdout, "the table shows a 12-character prefix"
    assert "<html><body>Service Unavailable" in retry and LONG_EXCERPT not in retry
    assert (NOW - timedelta(hours=3) + timedelta(seconds=5)).strftime("%Y-%m-%d %H:%M:%SZ") in retry

    rows = json_lines(brisk("deliveries", "--tenant", seeded.tenant, "--json"))
    assert [(r["notification_id"], r["attempt"], r["outcome"]) for r in rows] == [
        (seeded.refused, 1, "dead"), (seeded.retried, 2, "delivered"), (seeded.retried, 1, "retry")]
    assert rows[2] | {"at": None, "next_attempt_at": None} == {
        "notification_id": seeded.retried, "tenant": seeded.tenant, "receiver": "ops", "attempt": 1,
        "at": None, "outcome": "retry", "status_code": 503, "latency_ms": 12.5, "error": "HTTP 503",
        "response_excerpt": LONG_EXCERPT, "next_attempt_at": None}
    assert datetime.fromisoformat(rows[2]["at"]) == NOW - timedelta(hours=3)


@pytest.mark.parametrize(("args", "expected"), [
    (["--failed"], ["refused", "retried"]),
    (["--receiver", "ops"], ["retried", "retried"]),
    (["-r", "audit"], ["refused"]),
    (["--since", "2h"], ["refused"]),
    (["--limit", "1"], ["refused"]),
])
def test_the_delivery_log_filters(brisk: Any, seeded: Seeded, args: list[str],
                                  expected: list[str]) -> None:
    rows = json_lines(brisk("deliveries", "-t", seeded.tenant, *args, "--json"))
    assert [r["notification_id"] for r in rows] == [getattr(seeded, name) for name in expected]


def test_the_delivery_log_filters_by_notification_and_iso_time(brisk: Any, seeded: Seeded) -> None:
    by_prefix = json_lines(brisk("deliveries", "-t", seeded.tenant, "--notification",
                                 seeded.retried[:12], "--json"))
    assert [r["attempt"] for r in by_prefix] == [2, 1]
    since = (NOW - timedelta(hours=3) + timedelta(seconds=1)).isoformat()
    recent = json_lines(brisk("deliveries", "-t", seeded.tenant, "--since", since, "--json"))
    assert [r["outcome"] for r in recent] == ["dead", "delivered"]
    assert brisk("deliveries", "-t", seeded.other).stdout == "(none)\n"


@pytest.mark.parametrize(("args", "code", "says"), [
    (["deliveries"], 2, "--tenant is required"),
    (["deliveries", "-t", "{tenant}", "--limit", "0"], 2, "--limit must be between 1 and 10000"),
    (["deliveries", "-t", "{tenant}", "--since", "yesterday"], 2, "neither a duration such as 2h"),
    (["deliveries", "-t", "{tenant}", "--since", "2026-01-01T00:00"], 2, "needs a time zone"),
    (["deliveries", "-t", "nobody-here"], 1, "no tenant 'nobody-here'"),
    (["deliveries", "-t", "Bad Name"], 2, "tenant name"),
    (["deliveries", "replay", "-t", "{tenant}", "--since", "2x"], 2, "neither a duration"),
    (["deliveries", "replay", "-t", "{tenant}", "-r", "pager"], 1, "has no receiver 'pager'"),
    (["receiver", "list", "-t", "nobody-here"], 1, "no tenant 'nobody-here'"),
    (["receiver", "rotate-secret", "-t", "{tenant}", "-r", "ops", "--grace", "soon"], 2,
     "--grace: duration 'soon' is not of the form"),
    (["receiver", "rotate-secret", "-t", "{tenant}", "-r", "pager"], 1, "has no receiver 'pager'"),
    (["receiver", "enable", "-t", "{tenant}", "-r", "pager"], 1,
     "tenant {tenant} has no receiver 'pager'"),
    (["receiver", "disable", "-t", "{tenant}", "-r", "pager"], 1, "has no receiver 'pager'"),
    (["receiver", "disable", "-t", "{tenant}", "-r", "ops", "--reason", " "], 2, "needs a reason"),
    (["alerts", "notifications", "--tenant", "{tenant}", "--outcome", "failed"], 2,
     "--outcome must be one of pending, delivered, dead, recorded"),
])
def test_mistakes_are_one_line(brisk: Any, seeded: Seeded, secrets: Any, args: list[str], code: int,
                               says: str) -> None:
    before = secrets(seeded.tenant)
    refused(brisk(*[a.replace("{tenant}", seeded.tenant) for a in args]), code,
            says.replace("{tenant}", seeded.tenant))
    assert secrets(seeded.tenant) == before


def test_replay_queues_dead_notifications_again_and_says_how_many(brisk: Any, seeded: Seeded) -> None:
    replayed = brisk("deliveries", "replay", "--tenant", seeded.tenant, "--since", "2h")
    assert (replayed.exit_code, replayed.stdout) == (0, "queued 1 dead notification again\n")
    notes = {r["id"]: r for r in json_lines(brisk("alerts", "notifications", "--tenant",
                                                  seeded.tenant, "--json"))}
    assert (notes[seeded.refused]["outcome"], notes[seeded.refused]["attempts"]) == ("pending", 0)
    assert datetime.fromisoformat(notes[seeded.refused]["next_attempt"]) >= NOW
    assert (notes[seeded.old_dead]["outcome"], notes[seeded.old_dead]["next_attempt"]) == ("dead", None)
    assert notes[seeded.retried]["next_attempt"] is None

    ops = brisk("deliveries", "replay", "-t", seeded.tenant, "-r", "ops")
    assert ops.stdout == "queued 1 dead notification of receiver ops again\n"
    again = brisk("deliveries", "replay", "-t", seeded.tenant)
    assert again.stdout == "queued 0 dead notifications again\n"
    pending = json_lines(brisk("alerts", "notifications", "--tenant", seeded.tenant,
                               "--outcome", "pending", "--json"))
    assert {r["id"] for r in pending} == {seeded.refused, seeded.old_dead, seeded.pending}
    assert brisk("alerts", "notifications", "--tenant", seeded.other, "--outcome", "pending",
                 "--json").stdout == ""


def test_alerts_notifications_shows_the_outcome_and_the_next_attempt(brisk: Any, seeded: Seeded) -> None:
    table = brisk("alerts", "notifications", "--tenant", seeded.tenant)
    assert table.exit_code == 0, table.output
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["TIME", "RECEIVER", "OUTCOME", "FIRING", "RESOLVED", "ATTEMPTS",
                              "NEXT_ATTEMPT", "DETAIL"]
    next_attempt = (NOW + timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M:%SZ")
    assert [row.split()[2:4] for row in rows] == [["ops", "pending"], ["audit", "dead"],
                                                  ["ops", "delivered"], ["ops", "dead"]]
    assert next_attempt in rows[0] and "HTTP 400" in rows[1]


def test_receiver_list_shows_health_and_queue_never_secrets(brisk: Any, seeded: Seeded,
                                                            secrets: Any) -> None:
    table = brisk("receiver", "list", "-t", seeded.tenant)
    assert table.exit_code == 0, table.output
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["NAME", "URL", "FORMAT", "CIRCUIT", "DISABLED", "FAILURES",
                              "FAILING_SINCE", "PENDING", "OLDEST_PENDING", "DEAD",
                              "PREVIOUS_SECRET_UNTIL"]
    cells = [r.split() for r in rows]
    age = cells[2][8]  # the oldest pending was created 30 minutes before NOW, read from the clock
    assert re.fullmatch(r"(3\d|[4-5]\d)m(\d+s)?|1h\d*m?\d*s?", age), age  # 30m and later
    assert cells == [
        ["archive", "-", "brisk", "closed", "-", "0", "-", "0", "-", "0", "-"],
        ["audit", "https://audit.example.com/in", "alertmanager", "closed", "-", "0", "-", "0", "-",
         "1", "-"],
        ["ops", "https://hooks.example.com/ops", "brisk", "closed", "-", "0", "-", "1", age, "1",
         "-"]]

    listed = brisk("receiver", "list", "-t", seeded.tenant, "--json")
    ops = json_lines(listed)[2]
    assert ops == {"name": "ops", "url": "https://hooks.example.com/ops", "format": "brisk",
                   "consecutive_failures": 0, "failing_since": None, "circuit": "closed",
                   "circuit_until": None, "circuit_opened": 0, "disabled_at": None,
                   "disabled_reason": None, "last_success_at": None, "pending": 1,
                   "oldest_pending_at": ops["oldest_pending_at"], "dead": 1,
                   "previous_secret_until": None}
    assert datetime.fromisoformat(ops["oldest_pending_at"]) == NOW - timedelta(minutes=30)
    assert "whsec_" not in table.stdout + listed.stdout
    assert secrets(seeded.tenant)[0].startswith("whsec_")


def test_a_rotated_secret_is_printed_once_then_signs_alongside_the_old(
        brisk: Any, seeded: Seeded, secrets: Any) -> None:
    old, _, _ = secrets(seeded.tenant)
    theirs = secrets(seeded.other)
    rotated = brisk("receiver", "rotate-secret", "-t", seeded.tenant, "-r", "ops", "--grace", "2h")
    assert rotated.exit_code == 0, rotated.output
    first, second = rotated.stdout.splitlines()
    assert first.startswith("new secret of receiver ops: whsec_")
    new = first.rsplit(" ", 1)[1]
    assert (rotated.stdout + rotated.stderr).count(new) == 1 and old not in rotated.output
    assert "shown only this once" in rotated.stderr

    stored, previous, until = secrets(seeded.tenant)
    assert (stored, previous) == (new, old)
    assert second == (f"the old secret stays valid until {until.strftime('%Y-%m-%d %H:%M:%SZ')} "
                      "(2h): until then deliveries carry both signatures")
    assert NOW + timedelta(hours=2) <= until <= datetime.now(UTC) + timedelta(hours=2)
    assert secrets(seeded.other) == theirs, "another tenant's ops keeps its secret"

    [_, _, ops] = json_lines(brisk("receiver", "list", "-t", seeded.tenant, "--json"))
    assert datetime.fromisoformat(ops["previous_secret_until"]) == until
    listed = brisk("receiver", "list", "-t", seeded.tenant)
    assert until.strftime("%Y-%m-%d %H:%M:%SZ") in listed.stdout and new not in listed.stdout

    ended = brisk("receiver", "rotate-secret", "-t", seeded.tenant, "-r", "ops", "--grace", "0")
    assert ended.stdout.splitlines()[1] == ("the old secret is no longer valid: deliveries carry "
                                            "only the new signature")
    assert secrets(seeded.tenant)[1:] == (None, None)


def test_a_disabled_receiver_is_listed_so_and_enabling_resends_what_is_pending(
        brisk: Any, seeded: Seeded) -> None:
    disabled = brisk("receiver", "disable", "-t", seeded.tenant, "-r", "ops",
                     "--reason", "maintenance window")
    assert (disabled.exit_code, disabled.stdout) == (
        0, f"disabled receiver ops: notifications queue until `brisk receiver enable -t "
           f"{seeded.tenant} -r ops`\n")
    ops = brisk("receiver", "list", "-t", seeded.tenant).stdout.splitlines()[3]
    assert "since " in ops and ": maintenance window" in ops
    [_, _, row] = json_lines(brisk("receiver", "list", "-t", seeded.tenant, "--json"))
    assert row["disabled_reason"] == "maintenance window" and row["disabled_at"] is not None
    their_rows = json_lines(brisk("receiver", "list", "-t", seeded.other, "--json"))
    assert [r["disabled_at"] for r in their_rows] == [None, None, None]

    enabled = brisk("receiver", "enable", "-t", seeded.tenant, "-r", "ops")
    assert (enabled.exit_code, enabled.stdout) == (
        0, "enabled receiver ops: 1 pending notification will be sent now\n")
    [_, _, row] = json_lines(brisk("receiver", "list", "-t", seeded.tenant, "--json"))
    assert (row["disabled_at"], row["disabled_reason"], row["circuit"]) == (None, None, "closed")
    [pending] = json_lines(brisk("alerts", "notifications", "--tenant", seeded.tenant,
                                 "--outcome", "pending", "--json"))
    # Due at once: now, not at the schedule's next step (NOW is when the module was imported).
    assert datetime.fromisoformat(pending["next_attempt"]) <= datetime.now(UTC)
