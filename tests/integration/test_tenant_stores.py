"""Tenants, their configuration, silences and acks on the real embedded PostgreSQL: round trips,
change reports, secrets generated once, revisions, active windows, ack lifecycles — and that a
tenant never sees or changes another's rows.

The database is shared by the session: every test makes its own tenants. ``expire_acks`` sweeps
every tenant, so its test uses times in 2002, which no other test uses.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from shared.alerting.config import TenantConfig
from shared.alerting.config_yaml import load_config as parse
from shared.alerting.matchers import parse_matcher
from shared.stores import acks, silences, tenant_config, tenants

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
Conn = psycopg.AsyncConnection[Any]
SECRET = "whsec_" + base64.b64encode(b"s" * 32).decode()


@pytest.fixture
async def conn(postgres_url: str) -> AsyncIterator[Conn]:
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as c:
        yield c


async def new_tenant(conn: Conn) -> tuple[int, str]:
    name = f"t-{uuid4().hex[:8]}"
    await tenants.create_tenant(conn, name, T0)
    return await tenants.tenant_id(conn, name), name


def secrets(prefix: str = "gen") -> Iterator[str]:
    for n in range(100):
        yield "whsec_" + base64.b64encode(f"{prefix}-{n}".encode().ljust(32, b".")).decode()


def config(min_severity: int = 40, receivers: str = "", assets: str = "", ops_secret: str = SECRET,
           pager_url: str = "https://pager.example.com/hook") -> TenantConfig:
    return parse(f"""
receivers:
  - name: ops
    url: https://hooks.example.com/brisk
    secret: {ops_secret}
  - name: pager
    url: {pager_url}
{receivers}
route:
  receiver: ops
  routes:
    - receiver: pager
      matchers: ['severity_level="critical"']
rules:
  - name: serious-events
    kind: event
    min_severity: {min_severity}
  - name: exposed
    kind: exposure
assets:
  - {{name: Gwadar port, kind: port, ref: PKGWD}}
{assets}
watchlist: [China Overseas Port Holding]
""")


async def add_alert(conn: Conn, tenant_id: int, alert_id: str, status: str = "firing") -> None:
    await conn.execute(
        "INSERT INTO alerts (tenant_id, id, rule, kind, status, labels, severity, category, title,"
        " reason, starts_at, updated_at) VALUES (%s, %s, 'ports', 'event', %s, '{}', 60,"
        " 'supply_chain', 'Port strike', '{}', %s, %s)", (tenant_id, alert_id, status, T0, T0))


# -- tenants ----------------------------------------------------------------------------------

async def test_tenant_names_are_unique_and_checked(conn: Conn) -> None:
    _, name = await new_tenant(conn)
    with pytest.raises(tenants.TenantExists):
        await tenants.create_tenant(conn, name, T0)
    for bad in ("Acme", "-acme", "a" * 64, "ac me", ""):
        with pytest.raises(ValueError, match="lower-case letters"):
            await tenants.create_tenant(conn, bad, T0)
    with pytest.raises(tenants.UnknownTenant, match="no tenant 'nobody-here'"):
        await tenants.tenant_id(conn, "nobody-here")
    tenant = await tenants.get_tenant(conn, name)
    assert (tenant.name, tenant.revision, tenant.created_at) == (name, 0, T0)
    assert name in [t.name for t in await tenants.list_tenants(conn)]


async def test_revisions_list_every_tenant_and_bump_by_one(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    assert (await tenants.revisions(conn))[name] == 0
    assert await tenants.bump_revision(conn, tid) == 1
    assert (await tenants.revisions(conn))[name] == 1


# -- configuration ----------------------------------------------------------------------------

async def test_apply_and_load_round_trip_keeps_secrets_and_public_masks_them(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    applied = config()
    result = await tenant_config.apply_config(conn, tid, applied, T0, new_secret=secrets().__next__)
    loaded = await tenant_config.load_config(conn, tid)
    ops, pager = loaded.receivers
    assert ops.secret is not None and ops.secret.get_secret_value() == SECRET
    assert pager.secret is not None and pager.secret.get_secret_value() == result.new_secrets["pager"]
    assert loaded.model_dump(exclude={"receivers"}) == applied.model_dump(exclude={"receivers"})
    public = loaded.public()
    assert SECRET not in str(public) and result.new_secrets["pager"] not in str(public)
    assert public["receivers"][0]["secret"] == f"whsec_…{SECRET[-4:]}"
    stored = await conn.execute("SELECT config::text FROM tenants WHERE id = %s", (tid,))
    row = await stored.fetchone()
    assert row is not None and "whsec_" not in row[0]
    revision, everything = (await tenant_config.load_all(conn))[name]
    assert revision == result.revision == 1
    assert everything == loaded


async def test_the_first_apply_reports_every_item_added(conn: Conn) -> None:
    tid, _ = await new_tenant(conn)
    result = await tenant_config.apply_config(conn, tid, config(), T0, new_secret=secrets().__next__)
    assert result.changes == ["+ receiver ops", "+ receiver pager", "+ rule serious-events",
                              "+ rule exposed", "+ asset Gwadar port",
                              "+ watch China Overseas Port Holding", "+ route"]
    assert list(result.new_secrets) == ["pager"]  # ops brought its own


async def test_a_changed_document_reports_what_changed_and_bumps_the_revision(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    await tenant_config.apply_config(conn, tid, config(), T0, new_secret=secrets().__next__)
    changed = config(min_severity=50, receivers="  - name: audit",
                     assets="  - {name: Karachi port, kind: port, ref: PKKHI}")
    result = await tenant_config.apply_config(conn, tid, changed, T0, new_secret=secrets("b").__next__)
    assert result.changes == ["+ receiver audit", "~ rule serious-events: min_severity 40 → 50",
                              "+ asset Karachi port"]
    assert result.revision == 2 and (await tenants.revisions(conn))[name] == 2
    back = await tenant_config.apply_config(conn, tid, config(), T0)
    assert back.changes == ["- receiver audit", "~ rule serious-events: min_severity 50 → 40",
                            "- asset Karachi port"]
    rows = await conn.execute("SELECT name FROM receivers WHERE tenant_id = %s ORDER BY name", (tid,))
    assert [r[0] for r in await rows.fetchall()] == ["ops", "pager"]


async def test_a_route_change_is_reported(conn: Conn) -> None:
    tid, _ = await new_tenant(conn)
    first = parse("receivers: [{name: a}, {name: b}]\nroute: {receiver: a}\n")
    await tenant_config.apply_config(conn, tid, first, T0, new_secret=secrets().__next__)
    second = parse("receivers: [{name: a}, {name: b}]\nroute: {receiver: b}\n")
    assert (await tenant_config.apply_config(conn, tid, second, T0)).changes == ["route changed"]
    empty = await tenant_config.apply_config(conn, tid, TenantConfig(), T0)
    assert empty.changes == ["- receiver a", "- receiver b", "- route"]
    assert await tenant_config.load_config(conn, tid) == TenantConfig()


async def test_applying_the_same_document_again_changes_nothing(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    await tenant_config.apply_config(conn, tid, config(), T0, new_secret=secrets().__next__)
    again = await tenant_config.apply_config(conn, tid, config(), T0 + timedelta(hours=1),
                                             new_secret=secrets("never").__next__)
    assert (again.changes, again.new_secrets, again.report()) == ([], {}, ["no changes"])
    assert again.revision == 1 and (await tenants.revisions(conn))[name] == 1


async def test_a_generated_secret_is_returned_once_and_kept_on_reapply(conn: Conn) -> None:
    tid, _ = await new_tenant(conn)
    first = await tenant_config.apply_config(conn, tid, config(), T0, new_secret=secrets().__next__)
    generated = first.new_secrets["pager"]
    moved = config(pager_url="https://pager2.example.com/hook")
    second = await tenant_config.apply_config(conn, tid, moved, T0, new_secret=secrets("b").__next__)
    assert second.new_secrets == {}
    assert second.changes == ["~ receiver pager: url https://pager.example.com/hook → "
                              "https://pager2.example.com/hook"]
    pager = (await tenant_config.load_config(conn, tid)).receiver("pager")
    assert pager is not None and pager.secret is not None
    assert pager.secret.get_secret_value() == generated


async def test_a_secret_in_the_document_replaces_the_stored_one(conn: Conn) -> None:
    tid, _ = await new_tenant(conn)
    await tenant_config.apply_config(conn, tid, config(), T0, new_secret=secrets().__next__)
    other = next(secrets("other"))
    rotated = await tenant_config.apply_config(conn, tid, config(ops_secret=other), T0)
    assert rotated.changes == ["~ receiver ops: secret replaced"]
    assert other not in str(rotated)
    ops = (await tenant_config.load_config(conn, tid)).receiver("ops")
    assert ops is not None and ops.secret is not None and ops.secret.get_secret_value() == other


# -- tenant isolation -------------------------------------------------------------------------

async def test_two_tenants_keep_the_same_names_apart(conn: Conn) -> None:
    a, a_name = await new_tenant(conn)
    b, b_name = await new_tenant(conn)
    await tenant_config.apply_config(conn, a, config(min_severity=10), T0, new_secret=secrets("a").__next__)
    await tenant_config.apply_config(conn, b, config(min_severity=90), T0, new_secret=secrets("b").__next__)
    a_config, b_config = (await tenant_config.load_config(conn, a),
                          await tenant_config.load_config(conn, b))
    assert (a_config.rules[0].min_severity, b_config.rules[0].min_severity) == (10, 90)
    a_pager, b_pager = a_config.receiver("pager"), b_config.receiver("pager")
    assert a_pager is not None and b_pager is not None
    assert a_pager.secret != b_pager.secret
    await tenant_config.apply_config(conn, b, TenantConfig(), T0)
    assert await tenant_config.load_config(conn, a) == a_config
    everything = await tenant_config.load_all(conn)
    assert everything[a_name][1] == a_config and everything[b_name][1] == TenantConfig()


async def test_a_tenant_cannot_see_or_expire_anothers_silences(conn: Conn) -> None:
    a, _ = await new_tenant(conn)
    b, _ = await new_tenant(conn)
    silence = await silences.add_silence(conn, a, [parse_matcher('rule="ports"')], T0,
                                         T0 + timedelta(hours=2), "ana", "maintenance")
    assert await silences.list_silences(conn, b, T0, include_expired=True) == []
    assert await silences.active_silences(conn, b, T0) == []
    assert await silences.expire_silence(conn, b, silence.id, T0) is False
    assert [s.id for s in await silences.active_silences(conn, a, T0)] == [silence.id]


async def test_a_tenant_cannot_ack_anothers_alert(conn: Conn) -> None:
    a, _ = await new_tenant(conn)
    b, _ = await new_tenant(conn)
    await add_alert(conn, a, "alert-1")
    with pytest.raises(acks.UnknownAlert):
        await acks.ack_alert(conn, b, "alert-1", "bob", "", T0)
    await acks.ack_alert(conn, a, "alert-1", "ana", "", T0)
    assert await acks.live_acks(conn, b, ["alert-1"], T0) == {}
    assert await acks.unack_alert(conn, b, "alert-1", "bob", T0) is False
    assert list(await acks.live_acks(conn, a, ["alert-1"], T0)) == ["alert-1"]


# -- silences ---------------------------------------------------------------------------------

async def test_a_silence_is_active_from_its_start_until_its_end(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    ids = iter([UUID(int=1), UUID(int=2)])
    matchers = [parse_matcher('country="PAK"'), parse_matcher('rule=~"port.*"')]
    pending = await silences.add_silence(conn, tid, matchers, T0 + timedelta(hours=1),
                                         T0 + timedelta(hours=3), "ana", "strike", new_id=ids.__next__,
                                         now=T0)
    assert pending.id == str(UUID(int=1)) and pending.tenant == name and pending.created_at == T0
    assert pending.matchers == matchers
    assert await silences.active_silences(conn, tid, T0) == []
    assert [s.id for s in await silences.list_silences(conn, tid, T0)] == [pending.id]
    for at, active in ((T0 + timedelta(hours=1), True), (T0 + timedelta(hours=3), False)):
        assert [s.id for s in await silences.active_silences(conn, tid, at)] == ([pending.id] if active
                                                                                 else [])
    later = T0 + timedelta(hours=4)
    assert await silences.list_silences(conn, tid, later) == []
    assert [s.id for s in await silences.list_silences(conn, tid, later, include_expired=True)] == [
        pending.id]
    assert (await tenants.revisions(conn))[name] == 1


async def test_expiring_a_silence_ends_it_now_and_only_once(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    active = await silences.add_silence(conn, tid, [parse_matcher('rule="ports"')], T0,
                                        T0 + timedelta(days=1), "ana", "")
    pending = await silences.add_silence(conn, tid, [parse_matcher('rule="ports"')],
                                         T0 + timedelta(days=1), T0 + timedelta(days=2), "ana", "")
    now = T0 + timedelta(minutes=5)
    assert await silences.expire_silence(conn, tid, active.id, now) is True
    assert await silences.expire_silence(conn, tid, pending.id, now) is True
    assert await silences.expire_silence(conn, tid, active.id, now) is False
    assert await silences.expire_silence(conn, tid, str(uuid4()), now) is False
    assert await silences.expire_silence(conn, tid, "not-a-uuid", now) is False
    ended = await silences.list_silences(conn, tid, now, include_expired=True)
    assert [(s.starts_at, s.ends_at) for s in ended] == [(T0, now), (now, now)]
    assert await silences.list_silences(conn, tid, now) == []
    assert (await tenants.revisions(conn))[name] == 4  # two adds, two expiries


@pytest.mark.parametrize(("matchers", "starts", "ends", "reason"), [
    ([], 0, 1, "at least one matcher"),
    (['rule=~".*"'], 0, 1, "would silence every alert"),
    (['rule!="x"'], 0, 1, "would silence every alert"),
    (['rule="x"'], 1, 1, "must end after it starts"),
])
async def test_silences_that_make_no_sense_are_refused(conn: Conn, matchers: list[str], starts: int,
                                                       ends: int, reason: str) -> None:
    tid, name = await new_tenant(conn)
    with pytest.raises(ValueError, match=reason):
        await silences.add_silence(conn, tid, [parse_matcher(m) for m in matchers],
                                   T0 + timedelta(hours=starts), T0 + timedelta(hours=ends), "ana", "")
    assert (await tenants.revisions(conn))[name] == 0


# -- acks -------------------------------------------------------------------------------------

async def history(conn: Conn, tenant_id: int, alert_id: str) -> list[tuple[str, dict[str, Any]]]:
    cur = await conn.execute("SELECT change, detail FROM alert_history WHERE tenant_id = %s"
                             " AND alert_id = %s ORDER BY id", (tenant_id, alert_id))
    return [(row[0], row[1]) for row in await cur.fetchall()]


async def test_an_ack_is_live_until_it_expires(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    await add_alert(conn, tid, "alert-1")
    ack = await acks.ack_alert(conn, tid, "alert-1", "ana", "on it", T0, T0 + timedelta(hours=4))
    assert (ack.alert_id, ack.tenant, ack.by, ack.comment, ack.created_at) == (
        "alert-1", name, "ana", "on it", T0)
    assert list(await acks.live_acks(conn, tid, ["alert-1", "other"], T0 + timedelta(hours=3))) == [
        "alert-1"]
    assert await acks.live_acks(conn, tid, ["alert-1"], T0 + timedelta(hours=4)) == {}
    assert await history(conn, tid, "alert-1") == [
        ("acked", {"by": "ana", "comment": "on it",
                   "expires_at": (T0 + timedelta(hours=4)).isoformat()})]
    assert (await tenants.revisions(conn))[name] == 1


async def test_a_new_ack_replaces_the_live_one(conn: Conn) -> None:
    tid, _ = await new_tenant(conn)
    await add_alert(conn, tid, "alert-1")
    await acks.ack_alert(conn, tid, "alert-1", "ana", "", T0)
    second = await acks.ack_alert(conn, tid, "alert-1", "bob", "taking over", T0 + timedelta(minutes=1))
    assert (await acks.live_acks(conn, tid, ["alert-1"], T0 + timedelta(minutes=2)))["alert-1"] == second
    cur = await conn.execute("SELECT by_whom, ended_reason, ended_at FROM acks WHERE tenant_id = %s"
                             " ORDER BY id", (tid,))
    assert await cur.fetchall() == [("ana", "replaced", T0 + timedelta(minutes=1)), ("bob", None, None)]


async def test_re_acking_after_expiry_closes_the_old_ack_as_expired(conn: Conn) -> None:
    tid, _ = await new_tenant(conn)
    await add_alert(conn, tid, "alert-1")
    await acks.ack_alert(conn, tid, "alert-1", "ana", "", T0, T0 + timedelta(hours=1))
    await acks.ack_alert(conn, tid, "alert-1", "bob", "", T0 + timedelta(hours=2))
    cur = await conn.execute("SELECT ended_reason, ended_at FROM acks WHERE tenant_id = %s ORDER BY id",
                             (tid,))
    assert await cur.fetchall() == [("expired", T0 + timedelta(hours=1)), (None, None)]


async def test_unack_ends_the_live_ack_once(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    await add_alert(conn, tid, "alert-1")
    await acks.ack_alert(conn, tid, "alert-1", "ana", "", T0)
    assert await acks.unack_alert(conn, tid, "alert-1", "bob", T0 + timedelta(minutes=1)) is True
    assert await acks.unack_alert(conn, tid, "alert-1", "bob", T0 + timedelta(minutes=2)) is False
    assert await acks.live_acks(conn, tid, ["alert-1"], T0 + timedelta(minutes=1)) == {}
    assert [change for change, _ in await history(conn, tid, "alert-1")] == ["acked", "unacked"]
    assert (await history(conn, tid, "alert-1"))[1][1] == {"by": "bob"}
    assert (await tenants.revisions(conn))[name] == 2


async def test_only_a_firing_alert_of_the_tenant_can_be_acked(conn: Conn) -> None:
    tid, name = await new_tenant(conn)
    await add_alert(conn, tid, "done", status="resolved")
    with pytest.raises(acks.AlertNotFiring, match="resolved"):
        await acks.ack_alert(conn, tid, "done", "ana", "", T0)
    with pytest.raises(acks.UnknownAlert, match="no alert 'nope'"):
        await acks.ack_alert(conn, tid, "nope", "ana", "", T0)
    await add_alert(conn, tid, "alert-1")
    with pytest.raises(ValueError, match="expire after now"):
        await acks.ack_alert(conn, tid, "alert-1", "ana", "", T0, expires_at=T0)
    assert (await tenants.revisions(conn))[name] == 0


async def test_resolving_ends_the_ack(conn: Conn) -> None:
    tid, _ = await new_tenant(conn)
    await add_alert(conn, tid, "alert-1")
    await acks.ack_alert(conn, tid, "alert-1", "ana", "", T0)
    assert await acks.end_acks_on_resolve(conn, tid, "alert-1", T0 + timedelta(hours=1)) == 1
    assert await acks.end_acks_on_resolve(conn, tid, "alert-1", T0 + timedelta(hours=1)) == 0
    assert await acks.live_acks(conn, tid, ["alert-1"], T0 + timedelta(hours=1)) == {}
    cur = await conn.execute("SELECT ended_reason FROM acks WHERE tenant_id = %s", (tid,))
    assert await cur.fetchall() == [("resolved",)]


async def test_the_expiry_sweep_closes_acks_past_their_expiry(conn: Conn) -> None:
    t2002 = datetime(2002, 1, 1, tzinfo=UTC)
    tid, name = await new_tenant(conn)
    await add_alert(conn, tid, "soon")
    await add_alert(conn, tid, "later")
    await acks.ack_alert(conn, tid, "soon", "ana", "", t2002, t2002 + timedelta(hours=1))
    await acks.ack_alert(conn, tid, "later", "ana", "", t2002, t2002 + timedelta(hours=5))
    swept = await acks.expire_acks(conn, t2002 + timedelta(hours=2))
    mine = [a for a in swept if a.tenant == name]
    assert [(a.alert_id, a.ended_at) for a in mine] == [("soon", t2002 + timedelta(hours=1))]
    assert [a.alert_id for a in await acks.expire_acks(conn, t2002 + timedelta(hours=2))
            if a.tenant == name] == []
