"""A tenant's configuration in PostgreSQL: applied as a whole, read back with its secrets.

``tenants.config`` holds the applied document without secrets (in the model's own JSON form);
the rows of receivers, routes, rules, inhibit_rules, assets and watchlist hold the same pieces
for queries, and ``receivers.secret`` the signing secrets. ``apply_config`` replaces all of it
in one transaction and says what changed; applying the same document again changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from shared.alerting import webhook_secret
from shared.alerting.config import TenantConfig
from shared.stores.sql import Row, fetch_all, fetch_one
from shared.stores.tenants import UnknownTenant, bump_revision

Doc = dict[str, Any]
# Sections whose items have names, and what a change line calls one of them.
_NAMED = {"receivers": "receiver", "rules": "rule", "assets": "asset", "watchlist": "watch"}

_WITH_SECRETS = """
    SELECT t.id, t.name, t.revision, t.config,
           COALESCE((SELECT jsonb_object_agg(r.name, r.secret) FROM receivers r
                     WHERE r.tenant_id = t.id), '{}'::jsonb) AS secrets
    FROM tenants t"""


@dataclass(frozen=True)
class ApplyResult:
    changes: list[str] = field(default_factory=list)
    new_secrets: dict[str, str] = field(default_factory=dict, repr=False)
    revision: int = 0

    def report(self) -> list[str]:
        """The change lines, or ``no changes``."""
        return self.changes or ["no changes"]


async def apply_config(conn: AsyncConnection[Any], tenant_id: int, config: TenantConfig, now: datetime,
                       new_secret: Callable[[], str] = webhook_secret.new_secret) -> ApplyResult:
    """Make ``config`` the tenant's configuration. A receiver the document gives no secret keeps
    its stored one, or — new — gets ``new_secret()``, returned once in ``new_secrets``."""
    async with conn.transaction():
        tenant = await fetch_one(conn, "SELECT revision, config FROM tenants WHERE id = %s FOR UPDATE",
                                 (tenant_id,))
        if tenant is None:
            raise UnknownTenant(f"no tenant with id {tenant_id}")
        stored = {row["name"]: row["secret"] for row in await fetch_all(
            conn, "SELECT name, secret FROM receivers WHERE tenant_id = %s", (tenant_id,))}
        secrets, generated, changes = {}, {}, []
        for receiver in config.receivers:
            given = receiver.secret.get_secret_value() if receiver.secret else None
            if given is not None:
                secrets[receiver.name] = given
                if receiver.name in stored and stored[receiver.name] != given:
                    changes.append(f"~ receiver {receiver.name}: secret replaced")
            elif receiver.name in stored:
                secrets[receiver.name] = stored[receiver.name]
            else:
                secrets[receiver.name] = generated[receiver.name] = new_secret()
        document = config_document(config)
        changes = describe_changes(tenant["config"] or {}, document) + changes
        if not changes:
            return ApplyResult(revision=int(tenant["revision"]))
        await _write_rows(conn, tenant_id, config, secrets, now)
        await conn.execute("UPDATE tenants SET config = %s, config_applied_at = %s WHERE id = %s",
                           (Jsonb(document), now, tenant_id))
        revision = await bump_revision(conn, tenant_id)
    return ApplyResult(changes, generated, revision)


async def load_config(conn: AsyncConnection[Any], tenant_id: int) -> TenantConfig:
    """The tenant's configuration with its secrets (for the alerts service, which signs)."""
    row = await fetch_one(conn, _WITH_SECRETS + " WHERE t.id = %s", (tenant_id,))
    if row is None:
        raise UnknownTenant(f"no tenant with id {tenant_id}")
    return _config(row)


async def load_all(conn: AsyncConnection[Any]) -> dict[str, tuple[int, TenantConfig]]:
    """Every tenant's (revision, configuration with secrets), by name, read in one snapshot."""
    rows = await fetch_all(conn, _WITH_SECRETS)
    return {str(row["name"]): (int(row["revision"]), _config(row)) for row in rows}


def config_document(config: TenantConfig) -> Doc:
    """What ``tenants.config`` stores: the model's JSON without secrets."""
    document: Doc = config.model_dump(mode="json", by_alias=True, exclude_none=True)
    for receiver in document.get("receivers", []):
        receiver.pop("secret", None)
    return document


def _config(row: Row) -> TenantConfig:
    document = dict(row["config"] or {})
    secrets = row["secrets"]
    document["receivers"] = [{**r, "secret": secrets[r["name"]]} if r["name"] in secrets else r
                             for r in document.get("receivers", [])]
    return TenantConfig.model_validate(document)


def describe_changes(old: Doc, new: Doc) -> list[str]:
    """Human lines for what differs between two stored documents: ``+ receiver ops``,
    ``~ rule serious: min_severity 40 → 50``, ``- asset Gwadar``, ``route changed``."""
    lines: list[str] = []
    for section, noun in _NAMED.items():
        before = {item["name"]: item for item in old.get(section, [])}
        after = {item["name"]: item for item in new.get(section, [])}
        found = [f"- {noun} {name}" for name in before if name not in after]
        for name, item in after.items():
            if name not in before:
                found.append(f"+ {noun} {name}")
            elif item != before[name]:
                found.append(f"~ {noun} {name}: {_field_changes(before[name], item)}")
        if not found and old.get(section, []) != new.get(section, []):
            found.append(f"{section} reordered")
        lines += found
    if old.get("route") != new.get("route"):
        lines.append("+ route" if "route" not in old else "- route" if "route" not in new
                     else "route changed")
    before_inhibit, after_inhibit = old.get("inhibit_rules", []), new.get("inhibit_rules", [])
    for index in range(max(len(before_inhibit), len(after_inhibit))):
        if index >= len(after_inhibit):
            lines.append(f"- inhibit rule {index}")
        elif index >= len(before_inhibit):
            lines.append(f"+ inhibit rule {index}")
        elif before_inhibit[index] != after_inhibit[index]:
            lines.append(f"~ inhibit rule {index}: "
                         f"{_field_changes(before_inhibit[index], after_inhibit[index])}")
    return lines


def _field_changes(before: Doc, after: Doc) -> str:
    keys = list(after) + [k for k in before if k not in after]
    return ", ".join(f"{k} {_shown(before.get(k))} → {_shown(after.get(k))}"
                     for k in keys if before.get(k) != after.get(k))


def _shown(value: Any, limit: int = 80) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _write_rows(conn: AsyncConnection[Any], tenant_id: int, config: TenantConfig,
                      secrets: dict[str, str], now: datetime) -> None:
    """Replace the tenant's configuration rows; rows that did not change keep ``updated_at``."""
    names = [r.name for r in config.receivers]
    await conn.execute("DELETE FROM receivers WHERE tenant_id = %s AND NOT (name = ANY(%s::text[]))",
                       (tenant_id, names))
    rules = [r.name for r in config.rules]
    await conn.execute("DELETE FROM rules WHERE tenant_id = %s AND NOT (name = ANY(%s::text[]))",
                       (tenant_id, rules))
    # Kept by position or name only, with no timestamps: simply written again.
    await conn.execute("DELETE FROM inhibit_rules WHERE tenant_id = %s", (tenant_id,))
    await conn.execute("DELETE FROM assets WHERE tenant_id = %s", (tenant_id,))
    await conn.execute("DELETE FROM watchlist WHERE tenant_id = %s", (tenant_id,))
    async with conn.cursor() as cur:
        await cur.executemany(
            """INSERT INTO receivers AS r (tenant_id, name, url, format, secret, send_resolved,
                                           max_alerts, created_at, updated_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (tenant_id, name) DO UPDATE SET
                   url = EXCLUDED.url, format = EXCLUDED.format, secret = EXCLUDED.secret,
                   send_resolved = EXCLUDED.send_resolved, max_alerts = EXCLUDED.max_alerts,
                   updated_at = EXCLUDED.updated_at
               WHERE (r.url, r.format, r.secret, r.send_resolved, r.max_alerts) IS DISTINCT FROM
                     (EXCLUDED.url, EXCLUDED.format, EXCLUDED.secret, EXCLUDED.send_resolved,
                      EXCLUDED.max_alerts)""",
            [(tenant_id, r.name, r.url, r.format, secrets[r.name], r.send_resolved, r.max_alerts,
              now, now) for r in config.receivers])
        await cur.executemany(
            """INSERT INTO rules AS r (tenant_id, name, kind, spec, updated_at)
               VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (tenant_id, name) DO UPDATE SET
                   kind = EXCLUDED.kind, spec = EXCLUDED.spec, updated_at = EXCLUDED.updated_at
               WHERE (r.kind, r.spec) IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.spec)""",
            [(tenant_id, r.name, r.kind, Jsonb(_json(r)), now) for r in config.rules])
        await cur.executemany(
            "INSERT INTO inhibit_rules (tenant_id, position, spec) VALUES (%s, %s, %s)",
            [(tenant_id, i, Jsonb(_json(r))) for i, r in enumerate(config.inhibit_rules)])
        await cur.executemany(
            "INSERT INTO assets (tenant_id, name, kind, countries, spec) VALUES (%s, %s, %s, %s, %s)",
            [(tenant_id, a.name, a.kind, list(a.countries), Jsonb(_json(a))) for a in config.assets])
        await cur.executemany(
            "INSERT INTO watchlist (tenant_id, name, kind, spec) VALUES (%s, %s, %s, %s)",
            [(tenant_id, w.name, w.kind, Jsonb(_json(w))) for w in config.watchlist])
    if config.route is None:
        await conn.execute("DELETE FROM routes WHERE tenant_id = %s", (tenant_id,))
    else:
        await conn.execute(
            """INSERT INTO routes AS r (tenant_id, tree, updated_at) VALUES (%s, %s, %s)
               ON CONFLICT (tenant_id) DO UPDATE SET tree = EXCLUDED.tree, updated_at = EXCLUDED.updated_at
               WHERE r.tree IS DISTINCT FROM EXCLUDED.tree""",
            (tenant_id, Jsonb(_json(config.route)), now))


def _json(model: Any) -> Doc:
    data: Doc = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data
