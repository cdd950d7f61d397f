"""`brisk config apply --tenant T FILE` and `brisk config show --tenant T`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from psycopg import AsyncConnection

from brisk.store_session import AsJson, StateDir, TenantName, fail, run_with_store
from shared.alerting.config import TenantConfig
from shared.alerting.config_yaml import MAX_BYTES, dump_config, load_config
from shared.alerting.targets import SETTING, check_targets, parse_allow_private
from shared.clock import utc_now
from shared.stores.tenant_config import ApplyResult, apply_config
from shared.stores.tenant_config import load_config as load_stored
from shared.stores.tenants import tenant_id

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("apply")
def apply(file: Annotated[Path, typer.Argument(help="The tenant's configuration (YAML)")],
          tenant: TenantName, state_dir: StateDir = Path(".brisk")) -> None:
    """Make FILE the tenant's whole configuration and print what changed.

    The file is checked first — its fields, and that receiver URLs are public addresses unless
    BRISK_ALERTS_ALLOW_PRIVATE_TARGETS allows private ones — and nothing is stored if it fails.
    A new receiver without a secret gets one, printed this once.
    """
    config = _read(file)
    try:
        check_targets(config, parse_allow_private(os.environ.get(SETTING, "false")))
    except ValueError as exc:  # ConfigError, or the setting itself
        fail(str(exc))

    async def work(conn: AsyncConnection[Any]) -> ApplyResult:
        return await apply_config(conn, await tenant_id(conn, tenant), config, utc_now())

    result = run_with_store(state_dir, work)
    for line in result.report():
        typer.echo(line)
    if result.changes:
        typer.echo(f"tenant {tenant} is at revision {result.revision}")
    for receiver, secret in result.new_secrets.items():
        typer.echo(f"secret of receiver {receiver}: {secret}")
    if result.new_secrets:
        typer.echo("warning: generated secrets are shown only this once; give each to its "
                   "receiver now to verify signatures", err=True)


@app.command("show")
def show(tenant: TenantName, as_json: AsJson = False, state_dir: StateDir = Path(".brisk")) -> None:
    """Print the tenant's configuration as YAML (or one JSON object), secrets masked."""

    async def work(conn: AsyncConnection[Any]) -> TenantConfig:
        return await load_stored(conn, await tenant_id(conn, tenant))

    config = run_with_store(state_dir, work)
    if as_json:
        typer.echo(json.dumps(config.public(), ensure_ascii=False, separators=(",", ":")))
    else:
        typer.echo(dump_config(config), nl=False)


def _read(file: Path) -> TenantConfig:
    """The validated configuration in ``file``; one line (per problem) and exit 2 if not."""
    try:
        if file.stat().st_size > MAX_BYTES:
            fail(f"{file}: larger than {MAX_BYTES // 1_048_576} MiB")
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        fail(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    try:
        return load_config(text, source=str(file))
    except ValueError as exc:
        fail(str(exc))
