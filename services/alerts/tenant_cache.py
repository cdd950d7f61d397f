"""Every tenant's configuration and silences, held in memory and reloaded when they change.

``refresh`` polls the tenants' revisions (one small query; every config apply, silence and ack
bumps its tenant's revision) and reloads only the tenants whose revision moved, so a change made
with the CLI or the API reaches the running service within one poll interval, with no restart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection

from services.alerts.stages.route import RouteNode, build_tree
from shared.alerting.config import TenantConfig
from shared.alerting.state import Silence
from shared.stores import silences, tenant_config, tenants

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TenantState:
    id: int
    name: str
    revision: int
    config: TenantConfig
    tree: RouteNode | None
    silences: tuple[Silence, ...]


class TenantCache:
    def __init__(self) -> None:
        self._tenants: dict[str, TenantState] = {}

    def all(self) -> list[TenantState]:
        return list(self._tenants.values())

    def get(self, name: str) -> TenantState | None:
        return self._tenants.get(name)

    async def refresh(self, conn: AsyncConnection, now: datetime) -> list[str]:
        """Reload what changed; return the names of the tenants reloaded (or dropped)."""
        revisions = await tenants.revisions(conn)
        changed = [name for name, rev in revisions.items()
                   if name not in self._tenants or self._tenants[name].revision != rev]
        for name in changed:
            tenant_id = await tenants.tenant_id(conn, name)
            config = await tenant_config.load_config(conn, tenant_id)
            live = await silences.list_silences(conn, tenant_id, now)
            tree = build_tree(config.route) if config.route is not None else None
            self._tenants[name] = TenantState(tenant_id, name, revisions[name], config, tree,
                                              tuple(live))
        gone = [name for name in self._tenants if name not in revisions]
        for name in gone:
            del self._tenants[name]
        if changed or gone:
            log.info("tenant configuration loaded", extra={"tenants": changed, "dropped": gone})
        return changed + gone
