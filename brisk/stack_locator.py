"""Where the CLI finds the running stack's stores: the environment first (an external
PostgreSQL or Redis), else the state file ``brisk up`` writes (``--state-dir``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

STATE_FILE = "stack.json"


class NoStack(Exception):
    """Neither the environment nor a running ``brisk up`` says where the store is."""


def postgres_url(state_dir: Path) -> str:
    """``BRISK_POSTGRES_URL``, else the running stack's; raises NoStack with one line."""
    return _locate("BRISK_POSTGRES_URL", "postgres_url", state_dir)


def redis_url(state_dir: Path) -> str:
    return _locate("BRISK_REDIS_URL", "redis_url", state_dir)


def _locate(env_name: str, key: str, state_dir: Path) -> str:
    if os.environ.get(env_name):
        return os.environ[env_name]
    try:
        value = json.loads((state_dir / STATE_FILE).read_text()).get(key)
    except (OSError, ValueError):
        value = None
    if not value:
        raise NoStack(f"no running brisk stack in {state_dir} (start one with `brisk up`, pass "
                      f"--state-dir, or set {env_name})")
    return str(value)
