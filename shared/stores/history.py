"""The ``alert_history`` table: every state change of every alert, append-only.

A row keeps the change, when and why (``detail``); the alert itself is not copied (``alert`` of a
read ``AlertChange`` is None: read the alert from ``shared.stores.alerts``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from shared.schemas.alert import AlertChange

_INSERT = """
INSERT INTO alert_history (tenant_id, alert_id, change, at, detail)
SELECT %s, c.alert_id, c.change, c.at, c.detail::jsonb
FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::text[])
     WITH ORDINALITY AS c(alert_id, change, at, detail, n)
ORDER BY c.n
"""

_COLUMNS = "t.name AS tenant, h.alert_id, h.change, h.at, h.detail"


async def record_changes(conn: psycopg.AsyncConnection[Any], tenant_id: int,
                         changes: Sequence[AlertChange]) -> None:
    """Append ``changes`` in their order, in one statement."""
    if not changes:
        return
    await conn.execute(_INSERT, (
        tenant_id, [c.alert_id for c in changes], [c.change for c in changes],
        [c.at for c in changes], [json.dumps(c.detail, ensure_ascii=False) for c in changes]))


async def alert_history(conn: psycopg.AsyncConnection[Any], tenant_id: int, alert_id: str,
                        limit: int = 1000) -> list[AlertChange]:
    """Its latest ``limit`` changes, oldest first."""
    return await _changes(conn, f"""
        SELECT * FROM (
            SELECT {_COLUMNS}, h.id FROM alert_history h JOIN tenants t ON t.id = h.tenant_id
            WHERE h.tenant_id = %s AND h.alert_id = %s ORDER BY h.id DESC LIMIT %s) AS latest
        ORDER BY id""", (tenant_id, alert_id, limit))


async def recent_changes(conn: psycopg.AsyncConnection[Any], tenant_id: int, since: datetime,
                         limit: int = 100) -> list[AlertChange]:
    """Its changes at or after ``since``, newest first, at most ``limit``."""
    return await _changes(conn, f"""
        SELECT {_COLUMNS} FROM alert_history h JOIN tenants t ON t.id = h.tenant_id
        WHERE h.tenant_id = %s AND h.at >= %s ORDER BY h.at DESC, h.id DESC LIMIT %s""",
                          (tenant_id, since, limit))


async def _changes(conn: psycopg.AsyncConnection[Any], query: str,
                   params: tuple[Any, ...]) -> list[AlertChange]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        rows = await cur.fetchall()
    return [AlertChange(tenant=r["tenant"], alert_id=r["alert_id"], change=r["change"], at=r["at"],
                        detail=_detail(r["detail"])) for r in rows]


def _detail(stored: dict[str, Any]) -> dict[str, str]:
    """History details as text, without the empty ones (rows written by any version)."""
    return {k: v if isinstance(v, str) else str(v) for k, v in stored.items() if v is not None}
