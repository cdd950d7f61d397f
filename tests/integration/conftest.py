"""The real embedded broker (Tansu) and a real Valkey, once per session, on free loopback ports.

Tansu runs on its durable engine, as ``brisk up`` runs it: ``s3://`` on one SeaweedFS for the
session, a bucket per broker. Everything is stopped by PID at the end, whatever happened.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from brisk import local_broker
from brisk.embedded import create_bucket, s3_storage_url, tansu_argv, tansu_s3_env, valkey_argv
from brisk.local_broker import start_object_store
from brisk.ports import free_port
from brisk.processes import Child, spawn
from shared.kafka import ensure_topics

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


_object_store: tuple[Child, str] | None = None


def object_store(logs: Path) -> str:
    """The session's SeaweedFS S3 endpoint, started on first use (stopped by ``_stop_stores``)."""
    global _object_store
    if _object_store is None:
        _object_store = start_object_store(logs.parent / "seaweedfs", logs, ROOT)
    return _object_store[1]


@pytest.fixture(scope="session", autouse=True)
def _stop_stores() -> Iterator[None]:
    yield
    if _object_store is not None:
        _object_store[0].stop(timeout=15)


def start_tansu(port: int, logs: Path, storage: str = "s3") -> Child:
    """Tansu on ``port``: its own bucket on the session's SeaweedFS, or ``memory``. Starting
    again on the same port keeps the bucket: that is a broker restart (retried while the old
    process still holds the port)."""
    if storage == "s3":
        endpoint = object_store(logs)
        create_bucket(endpoint, f"tansu-{port}")
        argv, env = tansu_argv(port, s3_storage_url(f"tansu-{port}")), tansu_s3_env(endpoint)
    else:
        argv, env = tansu_argv(port), {"PATH": "/usr/bin:/bin"}
    return local_broker.start_tansu(f"tansu-{port}", port, argv, env, logs, ROOT)


def start_memory_tansu(port: int, logs: Path) -> Child:
    """A memory-engine Tansu on ``port`` with brisk's topics: starting one where another was is a
    restart that lost everything."""
    broker = start_tansu(port, logs, storage="memory")
    asyncio.run(ensure_topics(f"127.0.0.1:{port}"))
    return broker


@contextmanager
def tansu_broker(logs: Path, storage: str = "s3") -> Iterator[str]:
    """A fresh broker on a free port with brisk's topics; stopped by PID."""
    port = free_port()
    broker = start_tansu(port, logs, storage)
    try:
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
