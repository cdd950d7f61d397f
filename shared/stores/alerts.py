"""The ``alerts`` table: one row per fingerprint, the lifecycle firing → resolved → firing again.

Every function takes the caller's connection (the caller owns the transaction) and is atomic on
its own: concurrent alerts workers that see the same story get one alert and one ``fired``
outcome, because the decision is made by ``INSERT … ON CONFLICT`` on the row, never read first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from shared.alerting.state import Ack
from shared.schemas.alert import Alert

UpsertOutcome = Literal["fired", "refired", "updated", "unchanged"]
DisplayStatus = Literal["firing", "resolved", "acked", "silenced", "inhibited"]
MAX_EVENT_IDS = 50

# An alert row as ``alert_from_row`` reads it; ``a`` is ``alerts``, the tenant's name is ``tenant``.
ALERT_COLUMNS = sql.SQL(
    "a.id, a.rule, a.kind, a.status, a.labels, a.severity, a.category, a.countries, a.title, "
    "a.url, a.reason, a.event_ids, a.episode, a.starts_at, a.updated_at, a.ends_at, a.resolve_at")
_TENANT = sql.SQL("(SELECT t.name FROM tenants t WHERE t.id = a.tenant_id) AS tenant")


@dataclass(frozen=True)
class Upserted:
    outcome: UpsertOutcome
    alert: Alert


@dataclass(frozen=True)
class AlertRow:
    """An alert as listed: with why it is muted and its live ack. ``display_status`` is acked
    (firing with a live ack), silenced or inhibited (firing, muted by that), else its status."""

    alert: Alert
    muted_by: str | None
    ack: Ack | None
    display_status: DisplayStatus


_FIELDS = ("tenant", "id", "rule", "kind", "status", "labels", "severity", "category", "countries",
           "title", "url", "reason", "event_ids", "episode", "starts_at", "updated_at", "ends_at",
           "resolve_at")


def alert_from_row(row: dict[str, Any]) -> Alert:
    """A row with ``ALERT_COLUMNS`` and ``tenant`` as an Alert (the fingerprint is its id)."""
    return Alert.model_validate({**{k: row[k] for k in _FIELDS}, "fingerprint": row["id"]})

# Resolved before: the new alert is the new episode. Firing: keep what was, add the new event
# ids (at most 50, most recent last), take the most severe's title, url and reason (keeping the
# five most severe events of the episode in reason.events), and move the
# timers forward only (a late, older event never shortens them). Nothing new (a redelivered
# event, or an alert without event ids seen again): no write, no row returned.
_UPSERT = sql.SQL("""
INSERT INTO alerts AS a (tenant_id, id, rule, kind, status, labels, severity, category, countries,
                         title, url, reason, event_ids, episode, starts_at, updated_at, resolve_at)
VALUES (%(tenant_id)s, %(id)s, %(rule)s, %(kind)s, 'firing', %(labels)s, %(severity)s,
        %(category)s, %(countries)s::text[], %(title)s, %(url)s, %(reason)s,
        %(event_ids)s::text[], 1, %(starts_at)s, %(updated_at)s, %(resolve_at)s)
ON CONFLICT (tenant_id, id) DO UPDATE SET
    status = 'firing',
    episode = a.episode + (a.status = 'resolved')::int,
    ends_at = NULL,
    muted_by = CASE WHEN a.status = 'resolved' THEN NULL ELSE a.muted_by END,
    rule = EXCLUDED.rule,
    kind = EXCLUDED.kind,
    labels = CASE WHEN a.status = 'resolved' THEN EXCLUDED.labels ELSE a.labels END,
    category = CASE WHEN a.status = 'resolved' THEN EXCLUDED.category ELSE a.category END,
    countries = CASE WHEN a.status = 'resolved' THEN EXCLUDED.countries ELSE a.countries END,
    starts_at = CASE WHEN a.status = 'resolved' THEN EXCLUDED.starts_at ELSE a.starts_at END,
    severity = CASE WHEN a.status = 'resolved' THEN EXCLUDED.severity
                    ELSE greatest(a.severity, EXCLUDED.severity) END,
    title = CASE WHEN a.status = 'resolved' OR EXCLUDED.severity > a.severity
                 THEN EXCLUDED.title ELSE a.title END,
    url = CASE WHEN a.status = 'resolved' OR EXCLUDED.severity > a.severity
               THEN EXCLUDED.url ELSE a.url END,
    reason = jsonb_set(
        CASE WHEN a.status = 'resolved' OR EXCLUDED.severity > a.severity
             THEN EXCLUDED.reason ELSE a.reason END,
        '{{events}}',
        COALESCE((SELECT jsonb_agg(top.e ORDER BY (top.e->>'severity')::float DESC) FROM (
            SELECT d.e FROM (
                SELECT DISTINCT ON (x.e->>'id') x.e FROM jsonb_array_elements(
                    CASE WHEN a.status = 'resolved' THEN '[]'::jsonb
                         ELSE COALESCE(a.reason->'events', '[]'::jsonb) END
                    || COALESCE(EXCLUDED.reason->'events', '[]'::jsonb)) AS x(e)
                ORDER BY x.e->>'id') AS d
            ORDER BY (d.e->>'severity')::float DESC LIMIT 5) AS top), '[]'::jsonb)),
    event_ids = CASE WHEN a.status = 'resolved' THEN EXCLUDED.event_ids ELSE (
        SELECT coalesce(array_agg(kept.e ORDER BY kept.n), '{{}}') FROM (
            SELECT m.e, m.n FROM unnest(a.event_ids || ARRAY(
                SELECT i.x FROM unnest(EXCLUDED.event_ids) WITH ORDINALITY AS i(x, k)
                WHERE i.x <> ALL (a.event_ids) ORDER BY i.k)) WITH ORDINALITY AS m(e, n)
            ORDER BY m.n DESC LIMIT %(max_ids)s) AS kept) END,
    updated_at = CASE WHEN a.status = 'resolved' THEN EXCLUDED.updated_at
                      ELSE greatest(a.updated_at, EXCLUDED.updated_at) END,
    resolve_at = CASE WHEN a.status = 'resolved' THEN EXCLUDED.resolve_at
                      ELSE greatest(a.resolve_at, EXCLUDED.resolve_at) END
WHERE a.status = 'resolved' OR NOT (EXCLUDED.event_ids <@ a.event_ids)
RETURNING old.status AS old_status, {columns}, {tenant}
""").format(columns=ALERT_COLUMNS, tenant=_TENANT)


async def upsert_firing(conn: psycopg.AsyncConnection[Any], tenant_id: int, alert: Alert) -> Upserted:
    """Record that ``alert`` (firing) was seen: ``fired`` (new), ``refired`` (it was resolved:
    episode + 1, its ``starts_at``), ``updated`` (firing, and it brings event ids not yet kept)
    or ``unchanged`` (firing, nothing new: a redelivered event; nothing is written). Returns the
    stored alert after it. An event id that fell out of the 50 kept counts as new again."""
    upserted = await (await queue_upsert(conn, tenant_id, alert)).result()
    if upserted is not None:
        return upserted
    # ON CONFLICT locked the row even though its WHERE said no: it stays as read here until
    # the caller's transaction ends.
    stored = await get_alert(conn, tenant_id, alert.id)
    if stored is None:  # only if deleted in between, which no lifecycle step does
        raise LookupError(f"alert {alert.id} vanished during its upsert")
    return Upserted("unchanged", stored)


@dataclass(frozen=True)
class QueuedUpsert:
    """An upsert sent, its answer not read yet: inside ``conn.pipeline()`` many are sent
    without a round trip each, and read once the pipeline has synced."""

    cursor: psycopg.AsyncCursor[dict[str, Any]]

    async def result(self) -> Upserted | None:
        """Its outcome and the stored alert after it; None when ``unchanged`` (nothing was
        written, and the stored alert is not read)."""
        row = await self.cursor.fetchone()
        await self.cursor.close()
        if row is None:
            return None
        before = row["old_status"]  # NULL: there was no row
        outcome: UpsertOutcome = ("fired" if before is None
                                  else "refired" if before == "resolved" else "updated")
        return Upserted(outcome, alert_from_row(row))


async def queue_upsert(conn: psycopg.AsyncConnection[Any], tenant_id: int,
                       alert: Alert) -> QueuedUpsert:
    """Send ``upsert_firing``'s statement; read it with ``QueuedUpsert.result``."""
    params = {
        "tenant_id": tenant_id, "id": alert.id, "rule": alert.rule, "kind": alert.kind,
        "labels": Jsonb(alert.labels), "severity": alert.severity, "category": alert.category,
        "countries": list(alert.countries), "title": alert.title, "url": alert.url,
        "reason": Jsonb(alert.reason.model_dump(mode="json")),
        "event_ids": _last_occurrences(alert.event_ids), "starts_at": alert.starts_at,
        "updated_at": alert.updated_at, "resolve_at": alert.resolve_at, "max_ids": MAX_EVENT_IDS,
    }
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(_UPSERT, params)
    return QueuedUpsert(cur)


def _last_occurrences(ids: Sequence[str]) -> list[str]:
    """``ids`` without repeats, each where it was seen last (most recent last)."""
    last = {event_id: n for n, event_id in enumerate(ids)}
    return sorted(last, key=last.__getitem__)[-MAX_EVENT_IDS:]


_RESOLVE_DUE = sql.SQL("""
WITH due AS (
    SELECT tenant_id, id FROM alerts
    WHERE status = 'firing' AND resolve_at IS NOT NULL AND resolve_at <= %(now)s
    ORDER BY resolve_at LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED)
UPDATE alerts AS a SET status = 'resolved', ends_at = a.resolve_at
FROM due WHERE a.tenant_id = due.tenant_id AND a.id = due.id
RETURNING {columns}, {tenant}
""").format(columns=ALERT_COLUMNS, tenant=_TENANT)


async def resolve_due(conn: psycopg.AsyncConnection[Any], now: datetime,
                      limit: int = 1000) -> list[Alert]:
    """Resolve every tenant's firing alerts whose ``resolve_at <= now`` (``ends_at`` =
    ``resolve_at``), at most ``limit`` of them, and return them. Rows another worker holds are
    skipped, so concurrent callers split the work and none resolves an alert twice."""
    return await _alerts(conn, _RESOLVE_DUE, {"now": now, "limit": limit})


_RESOLVE_ONE = sql.SQL("""
UPDATE alerts AS a SET status = 'resolved', ends_at = %(now)s
WHERE a.tenant_id = %(tenant_id)s AND a.id = %(id)s AND a.status = 'firing'
RETURNING {columns}, {tenant}
""").format(columns=ALERT_COLUMNS, tenant=_TENANT)


async def resolve_alert(conn: psycopg.AsyncConnection[Any], tenant_id: int, alert_id: str,
                        now: datetime) -> Alert | None:
    """Resolve it now (an index back below its level); None if it was not firing."""
    return await (await queue_resolve(conn, tenant_id, alert_id, now)).result()


@dataclass(frozen=True)
class QueuedResolve:
    """A resolve sent, its answer not read yet (see ``QueuedUpsert``)."""

    cursor: psycopg.AsyncCursor[dict[str, Any]]

    async def result(self) -> Alert | None:
        """The resolved alert; None if it was not firing."""
        row = await self.cursor.fetchone()
        await self.cursor.close()
        return alert_from_row(row) if row is not None else None


async def queue_resolve(conn: psycopg.AsyncConnection[Any], tenant_id: int, alert_id: str,
                        now: datetime) -> QueuedResolve:
    """Send ``resolve_alert``'s statement; read it with ``QueuedResolve.result``."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(_RESOLVE_ONE, {"tenant_id": tenant_id, "id": alert_id, "now": now})
    return QueuedResolve(cur)


_SELECT = sql.SQL("SELECT {columns}, t.name AS tenant FROM alerts a "
                  "JOIN tenants t ON t.id = a.tenant_id WHERE a.tenant_id = %(tenant_id)s "
                  ).format(columns=ALERT_COLUMNS)


async def get_alert(conn: psycopg.AsyncConnection[Any], tenant_id: int, alert_id: str) -> Alert | None:
    found = await _alerts(conn, _SELECT + sql.SQL("AND a.id = %(id)s"),
                          {"tenant_id": tenant_id, "id": alert_id})
    return found[0] if found else None


async def alerts_by_ids(conn: psycopg.AsyncConnection[Any], tenant_id: int,
                        ids: Sequence[str]) -> list[Alert]:
    """The ones of ``ids`` that exist, in the order of ``ids``."""
    query = _SELECT + sql.SQL("AND a.id = ANY(%(ids)s::text[]) "
                              "ORDER BY array_position(%(ids)s::text[], a.id)")
    return await _alerts(conn, query, {"tenant_id": tenant_id, "ids": list(ids)})


async def firing_alerts(conn: psycopg.AsyncConnection[Any], tenant_id: int) -> list[Alert]:
    """All its firing alerts (what inhibit rules look at), oldest first."""
    query = _SELECT + sql.SQL("AND a.status = 'firing' ORDER BY a.starts_at, a.id")
    return await _alerts(conn, query, {"tenant_id": tenant_id})


async def find_alert_ids(conn: psycopg.AsyncConnection[Any], tenant_id: int, prefix: str,
                         limit: int = 2) -> list[str]:
    """Ids of its alerts that start with ``prefix`` (at most ``limit``; an exact id comes first)."""
    cur = await conn.execute(
        "SELECT id FROM alerts WHERE tenant_id = %s AND starts_with(id, %s) "
        "ORDER BY id <> %s, id LIMIT %s", (tenant_id, prefix, prefix, limit))
    return [str(r[0]) for r in await cur.fetchall()]


async def set_muted(conn: psycopg.AsyncConnection[Any], tenant_id: int, alert_id: str,
                    muted_by: str | None) -> str | None:
    """Set why it is muted (``silence:<uuid>``, ``inhibit:<n>`` or None); returns the value
    before, so the caller writes a history row only when it changed (None too if no such alert)."""
    cur = await conn.execute(
        "UPDATE alerts SET muted_by = %s WHERE tenant_id = %s AND id = %s RETURNING old.muted_by",
        (muted_by, tenant_id, alert_id))
    row = await cur.fetchone()
    return None if row is None else row[0]


_DISPLAY = sql.SQL("""CASE WHEN a.status = 'resolved' THEN 'resolved'
    WHEN k.id IS NOT NULL THEN 'acked'
    WHEN a.muted_by LIKE 'silence:%%' THEN 'silenced'
    WHEN a.muted_by LIKE 'inhibit:%%' THEN 'inhibited'
    ELSE 'firing' END""")

_LIST = sql.SQL("""
SELECT {columns}, t.name AS tenant, a.muted_by, d.display_status, k.by_whom AS ack_by,
       k.comment AS ack_comment, k.created_at AS ack_created_at, k.expires_at AS ack_expires_at
FROM alerts a
JOIN tenants t ON t.id = a.tenant_id
LEFT JOIN acks k ON a.status = 'firing' AND k.tenant_id = a.tenant_id AND k.alert_id = a.id
    AND k.ended_at IS NULL AND k.episode = a.episode
    AND (k.expires_at IS NULL OR k.expires_at > %(now)s)
CROSS JOIN LATERAL (SELECT {display} AS display_status) d
WHERE a.tenant_id = %(tenant_id)s {filters}
ORDER BY a.updated_at DESC, a.id
LIMIT %(limit)s
""")


async def list_alerts(
    conn: psycopg.AsyncConnection[Any], tenant_id: int, status: DisplayStatus | None,
    now: datetime, limit: int = 100, country: str | None = None,
) -> list[AlertRow]:
    """Its alerts, most recently updated first. ``status`` filters on the display status, so
    ``firing`` means firing and neither acked nor muted; ``country`` is an ISO3 code. An ack
    counts while live at ``now`` and of the alert's current episode."""
    filters = []
    if status is not None:
        base = "resolved" if status == "resolved" else "firing"
        filters.append(sql.SQL("AND a.status = {} AND d.display_status = {}").format(base, status))
    if country is not None:
        filters.append(sql.SQL("AND a.countries @> ARRAY[{}]::text[]").format(country))
    query = _LIST.format(columns=ALERT_COLUMNS, display=_DISPLAY, filters=sql.SQL(" ").join(filters))
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, {"tenant_id": tenant_id, "now": now, "limit": limit})
        rows = await cur.fetchall()
    return [_alert_row(row) for row in rows]


def _alert_row(row: dict[str, Any]) -> AlertRow:
    ack = None
    if row["ack_by"] is not None:
        ack = Ack(alert_id=row["id"], tenant=row["tenant"], by=row["ack_by"],
                  comment=row["ack_comment"], created_at=row["ack_created_at"],
                  expires_at=row["ack_expires_at"])
    return AlertRow(alert_from_row(row), row["muted_by"], ack, row["display_status"])


async def _alerts(conn: psycopg.AsyncConnection[Any], query: sql.SQL | sql.Composed,
                  params: dict[str, Any]) -> list[Alert]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return [alert_from_row(row) for row in await cur.fetchall()]
