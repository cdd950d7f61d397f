"""Silences: matchers that mute a tenant's alerts from ``starts_at`` until ``ends_at``.

Expiring sets ``ends_at`` to now (and ``starts_at`` too, for one that had not started), so the
silence stays listed with ``--expired``. Every change bumps the tenant's revision: the alerts
service reloads its silences when it sees the bump.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from psycopg import AsyncConnection
from psycopg.errors import ForeignKeyViolation
from psycopg.types.json import Jsonb

from shared.alerting.matchers import Matcher
from shared.alerting.state import Silence
from shared.stores.sql import Row, fetch_all, fetch_one
from shared.stores.tenants import UnknownTenant, bump_revision

_COLUMNS = """s.id::text AS id, t.name AS tenant, s.matchers, s.starts_at, s.ends_at,
              s.created_by, s.comment, s.created_at"""
_SELECT = "SELECT " + _COLUMNS + " FROM silences s JOIN tenants t ON t.id = s.tenant_id"


async def add_silence(conn: AsyncConnection[Any], tenant_id: int, matchers: Sequence[Matcher],
                      starts_at: datetime, ends_at: datetime, created_by: str, comment: str,
                      new_id: Callable[[], UUID] = uuid4, now: datetime | None = None) -> Silence:
    """A new silence; ValueError if it is empty, ends before it starts or would mute every
    alert. ``now`` is its ``created_at`` (default: the database's clock)."""
    if not matchers:
        raise ValueError("a silence needs at least one matcher")
    if all(m.matches({}) for m in matchers):
        raise ValueError("these matchers would silence every alert: at least one must not match "
                         'the empty string (e.g. rule="serious-events")')
    if ends_at <= starts_at:
        raise ValueError("a silence must end after it starts")
    if not created_by.strip():
        raise ValueError("a silence needs the name of who creates it")
    async with conn.transaction():
        try:
            row = await fetch_one(
                conn, "WITH s AS (INSERT INTO silences (id, tenant_id, matchers, starts_at, ends_at,"
                      " created_by, comment, created_at)"
                      " VALUES (%s, %s, %s, %s, %s, %s, %s, COALESCE(%s, now())) RETURNING *)"
                      " SELECT " + _COLUMNS + " FROM s JOIN tenants t ON t.id = s.tenant_id",
                (new_id(), tenant_id, Jsonb([str(m) for m in matchers]), starts_at, ends_at,
                 created_by, comment, now))
        except ForeignKeyViolation:
            raise UnknownTenant(f"no tenant with id {tenant_id}") from None
        assert row is not None  # RETURNING gives the row inserted
        await bump_revision(conn, tenant_id)
    return _silence(row)


async def list_silences(conn: AsyncConnection[Any], tenant_id: int, now: datetime,
                        include_expired: bool = False) -> list[Silence]:
    """Active and pending silences (and expired ones if asked), earliest start first."""
    rows = await fetch_all(conn, _SELECT + " WHERE s.tenant_id = %s AND (%s OR s.ends_at > %s)"
                                           " ORDER BY s.starts_at, s.created_at, s.id",
                           (tenant_id, include_expired, now))
    return [_silence(row) for row in rows]


async def active_silences(conn: AsyncConnection[Any], tenant_id: int, now: datetime) -> list[Silence]:
    """The silences muting alerts at ``now``."""
    rows = await fetch_all(conn, _SELECT + " WHERE s.tenant_id = %s AND s.starts_at <= %s"
                                           " AND s.ends_at > %s ORDER BY s.starts_at, s.id",
                           (tenant_id, now, now))
    return [_silence(row) for row in rows]


async def expire_silence(conn: AsyncConnection[Any], tenant_id: int, silence_id: str,
                         now: datetime) -> bool:
    """End the silence now. False if this tenant has no such silence still to end."""
    try:
        key = UUID(silence_id)
    except ValueError:
        return False
    async with conn.transaction():
        row = await fetch_one(
            conn, """UPDATE silences SET ends_at = %s, starts_at = LEAST(starts_at, %s)
                     WHERE id = %s AND tenant_id = %s AND ends_at > %s RETURNING id""",
            (now, now, key, tenant_id, now))
        if row is None:
            return False
        await bump_revision(conn, tenant_id)
    return True


def _silence(row: Row) -> Silence:
    return Silence.model_validate(row)
