"""`brisk alerts list|history|notifications` against the real embedded PostgreSQL, found through
``BRISK_POSTGRES_URL`` as an external database would be."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import psycopg
import pytest
from typer.testing import CliRunner, Result

from brisk.cli import app
from shared.alerting.state import NotificationRecord
from shared.schemas.alert import Alert, AlertChange, AlertReason
from shared.stores import alerts, history, outbox
from shared.stores.outbox import Settled

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIRING_ID = "f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6"
RESOLVED_ID = "f1a2b3c4aaaaaaaaaaaaaaaaaaaaaaaa"  # shares FIRING_ID's first 8 characters


@dataclass(frozen=True)
class Seeded:
    tenant: str
    changes: list[AlertChange]


def _alert(tenant: str, alert_id: str, at: datetime, title: str) -> Alert:
    return Alert(tenant=tenant, id=alert_id, fingerprint=alert_id, rule="ports", kind="event",
                 status="firing", labels={"rule": "ports"}, severity=62.5, category="supply_chain",
                 countries=["PAK"] if alert_id == FIRING_ID else ["LKA"], title=title,
                 reason=AlertReason(summary=title), event_ids=["e1"], starts_at=at, updated_at=at)


async def _seed(url: str) -> Seeded:
    name = f"cli-{uuid4().hex[:16]}"
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cur = await conn.execute("INSERT INTO tenants (name) VALUES (%s) RETURNING id", (name,))
        row = await cur.fetchone()
        assert row is not None
        tid = int(row[0])
        await alerts.upsert_firing(conn, tid, _alert(name, RESOLVED_ID, T0, "Colombo strike"))
        await alerts.resolve_alert(conn, tid, RESOLVED_ID, T0 + timedelta(minutes=5))
        await alerts.upsert_firing(conn, tid, _alert(name, FIRING_ID, T0 + timedelta(minutes=10),
                                                     "Gwadar port closed"))
        changes = [AlertChange(tenant=name, alert_id=FIRING_ID, change="fired",
                               at=T0 + timedelta(minutes=10)),
                   AlertChange(tenant=name, alert_id=FIRING_ID, change="acked",
                               at=T0 + timedelta(minutes=12), detail={"by": "ana"})]
        await history.record_changes(conn, tid, changes)
        note = NotificationRecord(
            id=str(uuid4()), tenant=name, group_id="g1", receiver="ops", firing=[FIRING_ID],
            resolved=[RESOLVED_ID], created_at=T0 + timedelta(minutes=11), outcome="pending")
        await outbox.enqueue(conn, tid, note, "brisk", b"{}")
        await outbox.settle(conn, tid, "ops", [Settled(note.id, "delivered", 1, None, "", 204,
                                                       None)], None, T0 + timedelta(minutes=11))
    return Seeded(name, changes)


@pytest.fixture
def seeded(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    monkeypatch.setenv("BRISK_POSTGRES_URL", postgres_url)
    return asyncio.run(_seed(postgres_url))


def brisk(*args: str) -> Result:
    return CliRunner().invoke(app, ["alerts", *args])


def json_lines(result: Result) -> list[dict[str, object]]:
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_list_prints_a_table_and_json_lines_newest_first(seeded: Seeded) -> None:
    table = brisk("list", "--tenant", seeded.tenant)
    assert table.exit_code == 0, table.stderr
    header, first, second = table.stdout.splitlines()
    assert header.split() == ["ID", "STATUS", "RULE", "KIND", "SEVERITY", "COUNTRIES", "TITLE",
                              "UPDATED"]
    assert first.split()[:6] == [FIRING_ID[:12], "firing", "ports", "event", "62.5", "PAK"]
    assert "Gwadar port closed" in first and "2026-03-01 12:10:00Z" in first
    assert second.split()[:2] == [RESOLVED_ID[:12], "resolved"]

    rows = json_lines(brisk("list", "--tenant", seeded.tenant, "--json"))
    assert [(r["id"], r["status"]) for r in rows] == [(FIRING_ID, "firing"), (RESOLVED_ID, "resolved")]
    assert rows[1]["ends_at"] == "2026-03-01T12:05:00Z" and rows[0]["ack"] is None


def test_list_filters_by_status_and_country(seeded: Seeded) -> None:
    resolved = json_lines(brisk("list", "--tenant", seeded.tenant, "--status", "resolved", "--json"))
    assert [r["id"] for r in resolved] == [RESOLVED_ID]
    lka = json_lines(brisk("list", "--tenant", seeded.tenant, "--country", "lka", "--json"))
    assert [r["id"] for r in lka] == [RESOLVED_ID]
    assert brisk("list", "--tenant", seeded.tenant, "--status", "acked").stdout == "(none)\n"


def test_history_takes_a_unique_id_prefix(seeded: Seeded) -> None:
    rows = json_lines(brisk("history", FIRING_ID[:10], "--tenant", seeded.tenant, "--json"))
    assert [(r["change"], r["detail"]) for r in rows] == [("fired", {}), ("acked", {"by": "ana"})]
    table = brisk("history", FIRING_ID, "--tenant", seeded.tenant)
    assert table.exit_code == 0, table.stderr
    assert table.stdout.splitlines()[2].split() == ["2026-03-01", "12:12:00Z", "acked", "by=ana"]


def test_notifications_lists_the_log(seeded: Seeded) -> None:
    [row] = json_lines(brisk("notifications", "--tenant", seeded.tenant, "--json"))
    assert (row["receiver"], row["outcome"], row["firing"]) == ("ops", "delivered", [FIRING_ID])
    assert json_lines(brisk("notifications", "--tenant", seeded.tenant, "--receiver", "x",
                            "--json")) == []


@pytest.mark.parametrize(("args", "code", "says"), [
    (["list", "--tenant", "nobody-here"], 1, "nobody-here"),
    (["list", "--tenant", "Bad Name"], 2, "tenant name"),
    (["list", "--status", "burning"], 2, "--status"),
    (["list", "--country", "PK"], 2, "--country"),
    (["history", "0000000000", "--tenant", "{tenant}"], 1, "no alert"),
    (["history", FIRING_ID[:8], "--tenant", "{tenant}"], 2, "several"),
    (["history", FIRING_ID[:6], "--tenant", "{tenant}"], 2, "at least 8"),
])
def test_user_errors_are_one_line(seeded: Seeded, args: list[str], code: int, says: str) -> None:
    args = [a.replace("{tenant}", seeded.tenant) for a in args]
    if "--tenant" not in args:
        args += ["--tenant", seeded.tenant]
    result = brisk(*args)
    assert (result.exit_code, result.stdout) == (code, "")
    assert len(result.stderr.splitlines()) == 1 and says in result.stderr, result.stderr


def test_no_stack_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.delenv("BRISK_POSTGRES_URL", raising=False)
    result = brisk("list", "--tenant", "acme", "--state-dir", str(tmp_path))
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1, result.stderr
