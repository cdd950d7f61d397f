"""The real embedded broker (Tansu) and a real Valkey, once per session, on free loopback ports.

Tansu runs on its durable engine, as ``brisk up`` runs it: ``s3://`` on one SeaweedFS for the
session, a bucket per broker. Everything is stopped by PID at the end, whatever happened.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from brisk.embedded import (
    ObjectStorePorts,
    create_bucket,
    s3_answers,
    s3_storage_url,
    seaweed_argv,
    tansu_argv,
    tansu_s3_env,
    valkey_argv,
)
from brisk.ports import free_port, wait_for_port
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
        ports = ObjectStorePorts.free()
        data = logs.parent / f"seaweedfs-{ports.s3}"
        child = spawn("seaweedfs", seaweed_argv(data, ports), {"PATH": "/usr/bin:/bin"}, logs,
                      ROOT)
        _object_store = (child, ports.s3_endpoint)
        deadline = time.monotonic() + 60
        while not s3_answers(ports.s3_endpoint):
            if not child.alive() or time.monotonic() > deadline:
                pytest.fail(f"SeaweedFS did not start:\n{child.log_tail()}")
            time.sleep(0.2)
    return _object_store[1]


@pytest.fixture(scope="session", autouse=True)
def _stop_stores() -> Iterator[None]:
    yield
    if _object_store is not None:
        _object_store[0].stop(timeout=15)


def start_tansu(port: int, logs: Path, storage: str = "s3") -> Child:
    """Tansu on ``port``: its own bucket on the session's SeaweedFS, or ``memory``. Starting
    again on the same port keeps the bucket: that is a broker restart. A stopped Tansu's port
    can stay taken for some seconds, so this retries until it listens."""
    deadline = time.monotonic() + 30
    while True:
        if storage == "s3":
            endpoint = object_store(logs)
            create_bucket(endpoint, f"tansu-{port}")
            broker = spawn(f"tansu-{port}", tansu_argv(port, s3_storage_url(f"tansu-{port}")),
                           tansu_s3_env(endpoint), logs, ROOT)
        else:
            broker = spawn(f"tansu-{port}", tansu_argv(port), {"PATH": "/usr/bin:/bin"}, logs,
                           ROOT)
        if wait_for_port(port, 5) and broker.alive():
            return broker
        broker.stop(timeout=5)
        if time.monotonic() > deadline:
            pytest.fail(f"Tansu did not listen on {port}:\n{broker.log_tail()}")
        time.sleep(0.5)


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
