"""Tenants: their names, ids and configuration revisions.

The revision is bumped by every change of a tenant's configuration, silences or acks; the
alerts service polls ``revisions`` (every second) and reloads only the tenants that changed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from shared.alerting.state import Tenant
from shared.stores.sql import fetch_all, fetch_one

TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
TENANT_NAME_FORM = ("lower-case letters, digits, '-' and '_', starting with a letter or digit, "
                    "at most 63 characters")


class TenantExists(Exception):
    """A tenant of that name exists already."""


class UnknownTenant(LookupError):
    """No such tenant; the message is one line for the CLI."""

    def __str__(self) -> str:  # LookupError would show its argument quoted
        return str(self.args[0]) if self.args else "unknown tenant"


def check_tenant_name(name: str) -> str:
    """``name`` if it is a valid tenant name, else ValueError naming the form."""
    if not TENANT_NAME.match(name):
        raise ValueError(f"tenant name {name!r} is not valid: use {TENANT_NAME_FORM}")
    return name


async def create_tenant(conn: AsyncConnection[Any], name: str, now: datetime) -> Tenant:
    check_tenant_name(name)
    row = await fetch_one(conn, "INSERT INTO tenants (name, created_at) VALUES (%s, %s)"
                                " ON CONFLICT (name) DO NOTHING RETURNING name, created_at, revision",
                          (name, now))
    if row is None:
        raise TenantExists(f"tenant {name!r} already exists")
    return Tenant.model_validate(row)


async def tenant_id(conn: AsyncConnection[Any], name: str) -> int:
    """The id every other store takes; raises UnknownTenant (ValueError for an invalid name)."""
    check_tenant_name(name)
    row = await fetch_one(conn, "SELECT id FROM tenants WHERE name = %s", (name,))
    if row is None:
        raise _unknown(name)
    return int(row["id"])


async def get_tenant(conn: AsyncConnection[Any], name: str) -> Tenant:
    check_tenant_name(name)
    row = await fetch_one(conn, "SELECT name, created_at, revision FROM tenants WHERE name = %s",
                          (name,))
    if row is None:
        raise _unknown(name)
    return Tenant.model_validate(row)


async def list_tenants(conn: AsyncConnection[Any]) -> list[Tenant]:
    rows = await fetch_all(conn, "SELECT name, created_at, revision FROM tenants ORDER BY name")
    return [Tenant.model_validate(row) for row in rows]


async def bump_revision(conn: AsyncConnection[Any], tenant_id: int) -> int:
    """Mark the tenant changed; returns the new revision."""
    row = await fetch_one(conn, "UPDATE tenants SET revision = revision + 1 WHERE id = %s"
                                " RETURNING revision", (tenant_id,))
    if row is None:
        raise UnknownTenant(f"no tenant with id {tenant_id}")
    return int(row["revision"])


async def revisions(conn: AsyncConnection[Any]) -> dict[str, int]:
    """Every tenant's current revision, by name: what the alerts service polls."""
    rows = await fetch_all(conn, "SELECT name, revision FROM tenants")
    return {str(row["name"]): int(row["revision"]) for row in rows}


def _unknown(name: str) -> UnknownTenant:
    return UnknownTenant(f"no tenant {name!r} (create it with `brisk tenant create {name}`)")
