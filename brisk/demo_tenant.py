"""The ``demo`` tenant of ``brisk up --demo``: created and configured from ``demo/tenant.yaml``
once per ``brisk up``, before the alerts service starts — so the demo's first events already
meet its rules. A second ``make run`` with the state kept finds it in place (nothing changes).
A restart of the alerts service does not re-apply it: what a user applied since stays."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from shared.alerting.config_yaml import load_config
from shared.clock import utc_now
from shared.stores import tenant_config, tenants

DEMO_TENANT = "demo"
DEMO_TENANT_FILE = Path(__file__).resolve().parent.parent / "demo" / "tenant.yaml"


def apply_demo_tenant(postgres_url: str, path: Path = DEMO_TENANT_FILE) -> list[str]:
    """Create the demo tenant if missing and apply its configuration; the changes made."""
    config = load_config(path.read_text(), str(path))

    async def apply() -> list[str]:
        async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as conn:
            try:
                tenant_id = await tenants.tenant_id(conn, DEMO_TENANT)
            except tenants.UnknownTenant:
                await tenants.create_tenant(conn, DEMO_TENANT, utc_now())
                tenant_id = await tenants.tenant_id(conn, DEMO_TENANT)
            result = await tenant_config.apply_config(conn, tenant_id, config, utc_now())
            return list(result.changes)

    return asyncio.run(apply())


def once(postgres_url: str) -> Callable[[], None]:
    """A ``before_start`` that applies the demo tenant the first time only."""
    done: list[Any] = []

    def step() -> None:
        if not done:
            apply_demo_tenant(postgres_url)
            done.append(True)

    return step
