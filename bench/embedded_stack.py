"""The embedded stack for benchmarks: Tansu on ``memory://`` with brisk's topics, the embedded
PostgreSQL (migrated) and Valkey, on free loopback ports, every child stopped by PID on exit.

Services are started as real processes (``python -m services.<name>``) with the stack's
``BRISK_*`` settings, as ``brisk up`` starts them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from brisk.embedded import valkey_argv  # noqa: E402
from brisk.embedded_postgres import (  # noqa: E402
    ENV,
    accepts_connections,
    current_layout,
    postgres_argv,
    prepare,
    set_up,
)
from brisk.local_broker import local_broker  # noqa: E402
from brisk.ports import free_port, wait_for_port  # noqa: E402
from brisk.processes import Child, spawn  # noqa: E402
from brisk.stack import http_ok  # noqa: E402
from shared.kafka import ensure_topics  # noqa: E402


@dataclass
class Stack:
    bootstrap: str
    postgres_url: str
    redis_url: str
    work: Path
    children: list[Child] = field(default_factory=list)

    @property
    def logs(self) -> Path:
        return self.work / "logs"

    def env(self) -> dict[str, str]:
        return {**os.environ, "BRISK_KAFKA_BOOTSTRAP": self.bootstrap,
                "BRISK_REDIS_URL": self.redis_url, "BRISK_POSTGRES_URL": self.postgres_url,
                "BRISK_LOG_LEVEL": "WARNING"}

    def start_service(self, name: str, service: str, env: dict[str, str]) -> Child:
        """``python -m services.<service>`` as ``name`` with the stack's settings and ``env``."""
        child = spawn(name, [sys.executable, "-m", f"services.{service}"], {**self.env(), **env},
                      self.logs, ROOT)
        self.children.append(child)
        return child


def wait_ready(ports: list[int], timeout: float) -> bool:
    """Every service on ``ports`` answers ``/ready`` with 200 within ``timeout`` seconds."""
    checks = [http_ok(f"http://127.0.0.1:{port}/ready") for port in ports]
    deadline = time.monotonic() + timeout
    while checks and time.monotonic() < deadline:
        checks = [check for check in checks if not check()]
        if checks:
            time.sleep(0.3)
    return not checks


@contextmanager
def embedded_stack() -> Iterator[Stack]:
    work = Path(tempfile.mkdtemp(prefix="brisk-bench-", dir="/tmp"))
    work.chmod(0o755)  # PostgreSQL's user must reach its state dir when run as root
    children: list[Child] = []
    try:
        with local_broker("memory", work, ROOT) as broker:
            asyncio.run(ensure_topics(broker.bootstrap))
            layout = current_layout(work)
            prepare(layout)
            children.append(spawn("postgres", postgres_argv(layout), ENV, work / "logs", Path("/"),
                                  user=layout.run_as, stop_signal=signal.SIGINT))
            while not accepts_connections(layout):
                time.sleep(0.05)
            set_up(layout)
            valkey = free_port()
            children.append(spawn("valkey", valkey_argv(valkey, work / "valkey"), ENV,
                                  work / "logs", ROOT))
            wait_for_port(valkey, 10)
            stack = Stack(broker.bootstrap, layout.url(), f"redis://127.0.0.1:{valkey}/0", work)
            try:
                yield stack
            finally:
                for child in reversed(stack.children):
                    child.stop(15)
    finally:
        for child in reversed(children):
            child.stop(15)
        shutil.rmtree(work, ignore_errors=True)
