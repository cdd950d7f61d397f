"""Keep the tenant cache current, and put the built-in ``default`` tenant's configuration in
place at start-up."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from psycopg_pool import AsyncConnectionPool

from services.alerts.metrics import AlertsMetrics
from services.alerts.tenant_cache import TenantCache
from shared.alerting.config import TenantConfig
from shared.clock import Clock
from shared.stores import tenant_config, tenants

log = logging.getLogger(__name__)


async def ensure_tenant_config(pool: AsyncConnectionPool, name: str, config: TenantConfig,
                               now: datetime) -> None:
    """Create ``name`` if missing and apply ``config`` (a no-op when nothing changed)."""
    async with pool.connection() as conn, conn.transaction():
        try:
            tenant_id = await tenants.tenant_id(conn, name)
        except tenants.UnknownTenant:
            await tenants.create_tenant(conn, name, now)
            tenant_id = await tenants.tenant_id(conn, name)
        result = await tenant_config.apply_config(conn, tenant_id, config, now)
    if result.changes:
        log.info("tenant %s configured from the environment", name,
                 extra={"changes": result.changes})


async def run_reloader(pool: AsyncConnectionPool, cache: TenantCache, metrics: AlertsMetrics,
                       clock: Clock, every: float) -> None:
    """Refresh until cancelled; an outage is logged and waited out (the cache stays as it was)."""
    while True:
        await asyncio.sleep(every)
        try:
            async with pool.connection() as conn:
                await cache.refresh(conn, clock())
            metrics.tenants.set(len(cache.all()))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("reloading tenant configuration failed; keeping the last one")
