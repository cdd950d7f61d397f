"""``brisk tenant | config | silence | ack | unack`` through the real command line on the real
embedded PostgreSQL: what is printed, what is refused with one line and which exit code, and
that ``--json`` listings are one JSON object a line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from typer.testing import CliRunner, Result

from brisk.cli import app

pytestmark = pytest.mark.integration

LOOPBACK_CONFIG = """\
receivers:
  - name: ops
    url: http://127.0.0.1:8080/hook
route:
  receiver: ops
rules:
  - name: serious-events
    kind: event
    min_severity: 40
"""


@pytest.fixture
def brisk(postgres_url: str, tmp_path: Path) -> Any:
    def run(*args: str, allow: str | None = None) -> Result:
        env = {"BRISK_POSTGRES_URL": postgres_url, "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS": allow}
        return CliRunner().invoke(app, [*args, "--state-dir", str(tmp_path / "no-stack")], env=env)
    return run


@pytest.fixture
def tenant(brisk: Any) -> str:
    name = f"t-{uuid4().hex[:8]}"
    result = brisk("tenant", "create", name)
    assert (result.exit_code, result.stdout) == (0, f"created tenant {name}\n")
    return name


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def refused(result: Result, code: int, says: str) -> None:
    assert result.exit_code == code, result.output
    assert says in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_tenants_are_created_once_and_listed(brisk: Any, tenant: str) -> None:
    refused(brisk("tenant", "create", tenant), 1, "already exists")
    refused(brisk("tenant", "create", "Not_Valid"), 2, "lower-case letters")
    listed = brisk("tenant", "list", "--json")
    assert listed.exit_code == 0
    mine = [row for row in json_lines(listed.stdout) if row["name"] == tenant]
    assert [(row["revision"], set(row)) for row in mine] == [(0, {"name", "revision", "created_at"})]
    table = brisk("tenant", "list").stdout.splitlines()
    assert table[0].split() == ["NAME", "REVISION", "CREATED_AT"]
    assert any(line.startswith(tenant + " ") for line in table[1:])


def test_a_loopback_receiver_is_refused_unless_allowed(brisk: Any, tenant: str, tmp_path: Path) -> None:
    file = tmp_path / "acme.yaml"
    file.write_text(LOOPBACK_CONFIG)
    refused(brisk("config", "apply", "--tenant", tenant, str(file)), 2,
            "receivers[0] (ops): url http://127.0.0.1:8080/hook is a loopback address; set "
            "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS=true")
    refused(brisk("config", "apply", "--tenant", tenant, str(file), allow="10.0.0.0/8"), 2,
            "is a loopback address")
    refused(brisk("config", "apply", "--tenant", tenant, str(file), allow="sometimes"), 2,
            "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS: 'sometimes' is not a network")
    shown = json.loads(brisk("config", "show", "--tenant", tenant, "--json").stdout)
    assert shown["receivers"] == [] and "route" not in shown  # nothing was stored

    applied = brisk("config", "apply", "--tenant", tenant, str(file), allow="127.0.0.0/8")
    assert applied.exit_code == 0, applied.output
    lines = applied.stdout.splitlines()
    assert lines[:4] == ["+ receiver ops", "+ rule serious-events", "+ route",
                         f"tenant {tenant} is at revision 1"]
    assert lines[4].startswith("secret of receiver ops: whsec_") and len(lines) == 5
    assert "shown only this once" in applied.stderr

    again = brisk("config", "apply", "--tenant", tenant, str(file), allow="true")
    assert (again.exit_code, again.stdout, again.stderr) == (0, "no changes\n", "")


def test_show_masks_the_secret(brisk: Any, tenant: str, tmp_path: Path) -> None:
    file = tmp_path / "acme.yaml"
    file.write_text(LOOPBACK_CONFIG)
    applied = brisk("config", "apply", "--tenant", tenant, str(file), allow="true")
    secret = applied.stdout.splitlines()[-1].rsplit(" ", 1)[1]
    shown = brisk("config", "show", "--tenant", tenant)
    assert shown.exit_code == 0
    assert secret not in shown.stdout and f"secret: whsec_…{secret[-4:]}" in shown.stdout
    assert "min_severity: 40" in shown.stdout
    [document] = json_lines(brisk("config", "show", "--tenant", tenant, "--json").stdout)
    assert document["receivers"][0]["secret"] == f"whsec_…{secret[-4:]}"
    assert document["route"]["receiver"] == "ops"


def test_bad_files_and_unknown_tenants_are_one_line(brisk: Any, tenant: str, tmp_path: Path) -> None:
    file = tmp_path / "acme.yaml"
    file.write_text(LOOPBACK_CONFIG.replace("min_severity: 40", "min_severity: 400"))
    refused(brisk("config", "apply", "--tenant", tenant, str(file), allow="true"), 2,
            f"{file}:9: rules[0].min_severity: Input should be less than or equal to 100")
    refused(brisk("config", "apply", "--tenant", tenant, str(tmp_path / "missing.yaml")), 2,
            "cannot read")
    file.write_text(LOOPBACK_CONFIG)
    refused(brisk("config", "apply", "--tenant", "nobody-here", str(file), allow="true"), 1,
            "no tenant 'nobody-here'")
    refused(brisk("config", "show", "--tenant", "nobody-here"), 1, "no tenant 'nobody-here'")


def test_silences_are_added_listed_and_expired(brisk: Any, tenant: str) -> None:
    added = brisk("silence", "add", "--tenant", tenant, "--matcher", 'country="PAK"',
                  "--matcher", 'rule=~"port.*"', "--for", "2h", "--comment", "strike", "--by", "ana")
    assert added.exit_code == 0, added.output
    silence_id = added.stdout.strip()
    assert str(UUID(silence_id)) == silence_id
    [row] = json_lines(brisk("silence", "list", "--tenant", tenant, "--json").stdout)
    assert (row["id"], row["state"], row["matchers"], row["created_by"], row["comment"]) == (
        silence_id, "active", ['country="PAK"', 'rule=~"port.*"'], "ana", "strike")
    assert silence_id in brisk("silence", "list", "--tenant", tenant).stdout

    expired = brisk("silence", "expire", "--tenant", tenant, silence_id)
    assert (expired.exit_code, expired.stdout) == (0, f"expired silence {silence_id}\n")
    assert brisk("silence", "list", "--tenant", tenant, "--json").stdout == ""
    [row] = json_lines(brisk("silence", "list", "--tenant", tenant, "--expired", "--json").stdout)
    assert row["state"] == "expired"
    refused(brisk("silence", "expire", "--tenant", tenant, silence_id), 1, "no active or pending")


def test_silence_input_mistakes_are_refused_with_one_line(brisk: Any, tenant: str) -> None:
    base = ["silence", "add", "--tenant", tenant, "--comment", "c"]
    refused(brisk(*base, "--matcher", "country~PAK", "--for", "2h"), 2, "is not a matcher")
    refused(brisk(*base, "--matcher", 'country="PAK"', "--for", "2x"), 2, "is not of the form")
    refused(brisk(*base, "--matcher", 'rule=~".*"', "--for", "2h"), 2, "would silence every alert")
    refused(brisk(*base, "--matcher", 'rule="a"', "--for", "2h", "--starts-at", "2026-05-01T10:00"),
            2, "needs a time zone")
    refused(brisk(*base, "--matcher", 'rule="a"', "--for", "1h", "--starts-at", "2001-01-01T00:00:00Z"),
            2, "would have ended already")
    pending = brisk(*base, "--matcher", 'rule="a"', "--for", "1h", "--starts-at", "2999-01-01T00:00:00Z")
    assert pending.exit_code == 0
    [row] = json_lines(brisk("silence", "list", "--tenant", tenant, "--json").stdout)
    assert (row["state"], row["starts_at"]) == ("pending", "2999-01-01T00:00:00+00:00")


def test_ack_and_unack_a_firing_alert(brisk: Any, tenant: str, postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO alerts (tenant_id, id, rule, kind, status, labels, severity, category, title,"
            " reason, starts_at, updated_at) SELECT id, 'alert-1', 'ports', 'event', 'firing', '{}',"
            " 60, 'supply_chain', 'Port strike', '{}', now(), now() FROM tenants WHERE name = %s",
            (tenant,))
    acked = brisk("ack", "--tenant", tenant, "alert-1", "--by", "ana", "--for", "4h", "--comment", "x")
    assert acked.exit_code == 0, acked.output
    assert acked.stdout.startswith("acknowledged alert-1 by ana until ")
    refused(brisk("ack", "--tenant", tenant, "alert-2", "--by", "ana"), 1, "no alert 'alert-2'")
    refused(brisk("ack", "--tenant", tenant, "alert-1", "--by", "ana", "--for", "soon"), 2,
            "is not of the form")
    unacked = brisk("unack", "--tenant", tenant, "alert-1", "--by", "bob")
    assert (unacked.exit_code, unacked.stdout) == (0, "ended the acknowledgement of alert-1\n")
    refused(brisk("unack", "--tenant", tenant, "alert-1"), 1, "has no live acknowledgement")


def test_without_a_store_the_commands_say_how_to_get_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["tenant", "list", "--state-dir", str(tmp_path)],
                                env={"BRISK_POSTGRES_URL": None})
    refused(result, 1, "no running brisk stack")
