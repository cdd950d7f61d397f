"""``brisk db upgrade``: migrate brisk's PostgreSQL (the environment's, else the running stack's)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from brisk.stack import read_state


def find_postgres_url(state_dir: Path) -> str | None:
    """``BRISK_POSTGRES_URL``, else the URL of the stack ``brisk up`` runs from ``state_dir``."""
    return os.environ.get("BRISK_POSTGRES_URL") or (read_state(state_dir) or {}).get(
        "postgres_url") or None


def run_upgrade(state_dir: Path, say: Callable[[str], None],
                complain: Callable[[str], None]) -> int:
    """Apply the pending migrations; says which, or "up to date". Returns the exit code: 2 when
    there is no database to upgrade, 1 when upgrading failed (one line, never the password)."""
    import psycopg

    from shared.db import redact_url
    from shared.db.migrate import MigrationError, current_version, upgrade

    url = find_postgres_url(state_dir)
    if not url:
        complain(f"no PostgreSQL to upgrade: set BRISK_POSTGRES_URL or start `brisk up` "
                 f"(looked in {state_dir})")
        return 2
    try:
        applied = upgrade(url)
        version = current_version(url)
    except MigrationError as exc:
        complain(str(exc))
        return 1
    except psycopg.Error as exc:
        reason = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        complain(f"upgrading {redact_url(url)} failed: {reason}")
        return 1
    if applied:
        say(f"applied {', '.join(f'{v:04d}' for v in applied)}; the database is at version "
            f"{version:04d}")
    else:
        say(f"up to date (version {version:04d})")
    return 0
