"""The real embedded broker (Tansu) and a real Valkey, once per session, on free loopback ports.

Both are stopped by PID at the end of the session, whatever happened in between.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from brisk.embedded import tansu_argv, valkey_argv
from brisk.ports import free_port, wait_for_port
from brisk.processes import Child, spawn
from shared.kafka import ensure_topics

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


@contextmanager
def tansu_broker(logs: Path) -> Iterator[str]:
    """A fresh in-memory broker on a free port with brisk's topics; stopped by PID."""
    port = free_port()
    broker = spawn(f"tansu-{port}", tansu_argv(port), {}, logs, ROOT)
    try:
        if not wait_for_port(port, 20):
            pytest.fail(f"Tansu did not listen on {port}:\n{broker.log_tail()}")
        bootstrap = f"127.0.0.1:{port}"
        asyncio.run(ensure_topics(bootstrap))
        yield bootstrap
    finally:
        broker.stop(timeout=10)


@pytest.fixture(scope="session")
def kafka_bootstrap(logs: Path) -> Iterator[str]:
    with tansu_broker(logs) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def valkey_port(logs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = free_port()
    server = spawn("valkey", valkey_argv(port, tmp_path_factory.mktemp("valkey")), {}, logs, ROOT)
    try:
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if not server.alive():
                    pytest.fail(f"Valkey exited:\n{server.log_tail()}")
                asyncio.run(asyncio.sleep(0.1))
        yield port
    finally:
        server.stop(timeout=10)


def start_service(name: str, env: dict[str, str], logs: Path) -> Child:
    import os

    return spawn(name, [sys.executable, "-m", f"services.{name}"], {**os.environ, **env}, logs,
                 ROOT)
